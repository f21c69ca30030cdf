// @carousel/cli: the `carousel` command, importable for tests.
export { buildProgram, main } from './main.ts';
