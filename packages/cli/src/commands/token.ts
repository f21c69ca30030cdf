// `carousel token`: signs a gateway token (HS256 JWT with expiry and the stream patterns it may
// read) with the gateway's secret, read from the environment or a file (never a flag: flags show
// in `ps`), else from the data folder of `carousel up` (its gateway.secret), so a newcomer's second
// dashboard token is one command.

import { existsSync, readFileSync } from 'node:fs';
import { signToken } from '@carousel/gateway';
import { Option, type Command } from 'commander';
import { gatewaySecretFile } from './up.ts';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description("sign a dashboard/SDK token with the gateway's secret")
    .addOption(new Option('--secret-file <file>', 'file holding the gateway secret (else $CAROUSEL_GATEWAY_SECRET)').env('CAROUSEL_GATEWAY_SECRET_FILE'))
    .option('--streams <patterns>', 'comma-separated stream patterns the token may read', '>')
    .option('--ttl <seconds>', 'lifetime', '86400')
    .option('--data-dir <dir>', "carousel up's data folder, whose gateway.secret is used when neither of the above is given", '.carousel')
    .action(async (o: { secretFile?: string; streams: string; ttl: string; dataDir: string }) => {
      const upSecret = gatewaySecretFile(o.dataDir);
      const secret = o.secretFile
        ? readFileSync(o.secretFile, 'utf8').trim()
        : process.env.CAROUSEL_GATEWAY_SECRET || (existsSync(upSecret) ? readFileSync(upSecret, 'utf8').trim() : undefined);
      if (!secret) throw new Error(`no secret: set CAROUSEL_GATEWAY_SECRET or --secret-file, or run where carousel up keeps ${upSecret}`);
      const token = await signToken({ secret, streams: o.streams.split(',').map((s) => s.trim()), ttlSeconds: Number(o.ttl) });
      process.stdout.write(token + '\n');
    });
}
