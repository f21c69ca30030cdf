import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const tsx = pathToFileURL(createRequire('/work/main/packages/tasks/src/x.ts').resolve('tsx')).href;
const url = new URL('./tmp-w.ts', import.meta.url).href;
for (const opts of [{ eval: true }, { eval: true, execArgv: ['--import', tsx] }, { eval: true, execArgv: [] }]) {
  const w = new Worker(`import(${JSON.stringify(url)})`, opts);
  w.on('message', (m) => { console.log('ok', JSON.stringify(opts), m); w.terminate(); });
  w.on('error', (e) => console.log('err', JSON.stringify(opts), e.message));
}
