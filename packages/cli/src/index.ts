// @carousel/cli: the `carousel` command, importable for tests.
export { buildProgram, describeFailure, main } from './main.ts';
