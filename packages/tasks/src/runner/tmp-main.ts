import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const tsx = pathToFileURL(createRequire('/work/main/packages/tasks/src/x.ts').resolve('tsx')).href;
console.log('execArgv', process.execArgv, tsx);
for (const opts of [{}, { execArgv: ['--import', tsx] }]) {
  try {
    const w = new Worker(new URL('./tmp-w.ts', import.meta.url), opts);
    w.on('message', (m) => { console.log('ok', JSON.stringify(opts), m); w.terminate(); });
    w.on('error', (e) => console.log('err', JSON.stringify(opts), e.message));
  } catch (e) { console.log('throw', (e as Error).message); }
}
