// InProcTransport against the Transport contract, plus what only the in-process transport does.

import { transportContract } from './contract.ts';
import { InProcTransport } from './inproc-transport.ts';

transportContract('inproc', async () => new InProcTransport());
