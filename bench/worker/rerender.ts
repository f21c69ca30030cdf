// Re-renders bench/results/worker.md from bench/results/worker.json (after a change to the
// report's wording; no figure is re-measured). Run: npx tsx bench/worker/rerender.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { renderWorkerReport, type WorkerFigures } from './report.ts';

const dir = new URL('../results/', import.meta.url);
const figures = JSON.parse(readFileSync(new URL('worker.json', dir), 'utf8')) as WorkerFigures;
writeFileSync(new URL('worker.md', dir), renderWorkerReport(figures).markdown);
console.log('re-rendered bench/results/worker.md from worker.json');
