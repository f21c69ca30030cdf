// Entry point of the gateway service: environment and flags -> runGateway. SIGTERM drains and
// exits 0 (runGateway installs the handlers).

import { gatewayOptionsFromEnv } from './env.ts';
import { createLogger } from './log.ts';
import { runGateway } from './run.ts';

const log = createLogger('gateway');
try {
  await runGateway(gatewayOptionsFromEnv(process.env, process.argv.slice(2)));
} catch (err) {
  log.error('gateway failed to start', { error: err });
  process.exit(1);
}
