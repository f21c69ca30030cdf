// `carousel token`: signs a gateway token (HS256 JWT with expiry and the stream patterns it may
// read) with the gateway's secret, read from the environment or a file (never a flag: flags show
// in `ps`).

import { readFileSync } from 'node:fs';
import { signToken } from '@carousel/gateway';
import { Option, type Command } from 'commander';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description("sign a dashboard/SDK token with the gateway's secret")
    .addOption(new Option('--secret-file <file>', 'file holding the gateway secret (else $CAROUSEL_GATEWAY_SECRET)').env('CAROUSEL_GATEWAY_SECRET_FILE'))
    .option('--streams <patterns>', 'comma-separated stream patterns the token may read', '>')
    .option('--ttl <seconds>', 'lifetime', '86400')
    .action(async (o: { secretFile?: string; streams: string; ttl: string }) => {
      const secret = o.secretFile ? readFileSync(o.secretFile, 'utf8').trim() : process.env.CAROUSEL_GATEWAY_SECRET;
      if (!secret) throw new Error('no secret: set CAROUSEL_GATEWAY_SECRET or --secret-file');
      const token = await signToken({ secret, streams: o.streams.split(',').map((s) => s.trim()), ttlSeconds: Number(o.ttl) });
      process.stdout.write(token + '\n');
    });
}
