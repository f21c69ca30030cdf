// Entry of the `carousel` command: builds the commander program from the command modules.
// Each command module registers itself on the program and owns its options and their defaults.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerInfer } from './commands/infer.ts';
import { registerPaper } from './commands/paper.ts';
import { registerModel } from './commands/model.ts';
import { registerNab } from './commands/nab.ts';
import { registerServices } from './commands/services.ts';
import { registerStreams } from './commands/streams.ts';
import { registerTail } from './commands/tail.ts';
import { registerUp } from './commands/up.ts';
import { registerToken } from './commands/token.ts';

/** This package's version (package.json), for `carousel --version`. */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('carousel')
    .description('Carousel: real-time streaming sequence learning, one online LSTM per live stream.')
    .version(VERSION)
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  registerInfer(program);
  registerModel(program);
  registerNab(program);
  registerPaper(program);
  registerServices(program);
  registerStreams(program);
  registerTail(program);
  registerToken(program);
  registerUp(program);
  return program;
}

/**
 * A command's failure as one line: `carousel: <message>` (its stable code first when the error
 * carries one the message does not already name); the stack only with CAROUSEL_DEBUG set.
 */
export function describeFailure(e: unknown, debug = false): string {
  if (!(e instanceof Error)) return `carousel: ${String(e)}`;
  const code = (e as { code?: unknown }).code;
  const head = typeof code === 'string' && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  return `carousel: ${head}${debug && e.stack ? `\n${e.stack}` : ''}`;
}

/** Runs the command in argv; a failure is printed as one line and the process exits 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    process.stderr.write(describeFailure(e, process.env.CAROUSEL_DEBUG !== undefined && process.env.CAROUSEL_DEBUG !== '') + '\n');
    // Exit now, as the uncaught failure did: a command that failed half way may hold connections open.
    process.exit(1);
  }
}
