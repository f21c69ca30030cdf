// Entry of the `carousel` command: builds the commander program from the command modules.
// Each command module registers itself on the program and owns its options and their defaults.

import { Command } from 'commander';
import { registerPaper } from './commands/paper.ts';
import { registerModel } from './commands/model.ts';
import { registerNab } from './commands/nab.ts';
import { registerServices } from './commands/services.ts';
import { registerStreams } from './commands/streams.ts';
import { registerTail } from './commands/tail.ts';
import { registerUp } from './commands/up.ts';
import { registerToken } from './commands/token.ts';

export function buildProgram(): Command {
  const program = new Command('carousel')
    .description('Carousel: real-time streaming sequence learning, one online LSTM per live stream.')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
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

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
