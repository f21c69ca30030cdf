#!/usr/bin/env node
// Runs the whole vitest suite once, with the default reporter on the terminal and a JSON report in
// .reports/vitest.json, then prints one plain closing line `N passed, N failed` taken from that
// report. Exits with vitest's own code, so a failing test fails the run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';

mkdirSync('.reports', { recursive: true });
const report = '.reports/vitest.json';
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });
let line = 'no report: vitest did not write .reports/vitest.json';
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  line = `${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : '');
}
console.log(line);
process.exit(run.status ?? 1);
