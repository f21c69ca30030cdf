#!/usr/bin/env -S node --max-semi-space-size=64
// The `carousel` command. Carousel runs its TypeScript sources directly through tsx's loader, so
// there is no build step between a checkout and a running system. The shebang's node flags are the
// worker's (WORKER_NODE_FLAGS, services/worker/src/node-flags.ts: `carousel up` and `carousel
// worker` run a worker in this process); `node carousel.mjs ...` skips them.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
await main(process.argv);
