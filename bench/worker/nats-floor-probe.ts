// The floor under the worker's per-sample cost that the messaging stack sets: one JetStream message
// in through an ordered consumer and one message out, per sample, with nothing else done. A
// backlog of `samples` Sample messages (1,000 streams, the worker bench's subjects and msg-ids) is
// published to a fresh nats-server first; then it is drained, untimed publishing out of the way,
// by 16 ordered consumers, one per partition (as a worker owning every partition runs them), each
// message answered by a publish of a Prediction-sized message. Timed: this process's CPU time
// (user + system) and wall time of the drain. Three arms in interleaved rounds: nats.js's own
// ordered consumer read as an async iterator (`nats`) or with a callback (`nats-callback`), each
// answered with a publish, and the same through @carousel/bus's NatsTransport (`bus`: its consumer
// loop with reconnect handling and error mapping), which is how the worker reads them.
// What the worker spends per sample beyond this floor is decode, actors, the model, encode,
// metrics and checkpoints. Not part of `npm run bench`.
// Usage (repo root): npx tsx bench/worker/nats-floor-probe.ts [rounds=3] [samples=40000]
import { readFileSync } from 'node:fs';
import { connect, StorageType, type NatsConnection } from 'nats';
import { NatsTransport } from '@carousel/bus';
import { createSubjects, encodePrediction, encodeSample, parseOptions } from '@carousel/protocol';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { median } from '../lstm/contender.ts';

const rounds = Number(process.argv[2] ?? 3);
const samples = Number(process.argv[3] ?? 40_000);
const STREAMS = 1_000;
const P = 16;
const BATCH = 256; // the worker's consumer batch (DEFAULT_CONSUMER_BATCH)
const subjects = createSubjects(parseOptions({ prefix: 'carousel', partitions: P }));
const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
// What the worker publishes per sample: a Prediction with every field the bench's carry.
const PREDICTION = encodePrediction({
  v: 1, stream: 'b0000000-999', seq: 123, f: [0.25, -0.5], x: [0.3, -0.4], err: 0.05, score: 0.1, lik: 0.2, mv: 1, pt: 0.00007, lr: 0.001, n: 1234,
});

async function backlog(nc: NatsConnection): Promise<void> {
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: subjects.jsStream, subjects: [subjects.partitionsAll], storage: StorageType.File });
  const js = nc.jetstream();
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < samples; i++) {
    const s = i % STREAMS;
    const seq = Math.floor(i / STREAMS);
    const name = `b${s}`;
    acks.push(js.publish(subjects.p(name), encodeSample({ v: 1, stream: name, seq, x: [Math.sin(seq / 7 + s), Math.cos(seq / 11)] }), { msgID: `${name}-${seq}` }));
    if (acks.length >= 512) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
}

/** One way to read the backlog: start() consumes, calling `each` with every message's subject. */
interface Reader {
  start(each: (subject: string) => void): Promise<void>;
  publish(subject: string, data: Uint8Array): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** nats.js's ordered consumers, read as async iterators or with a callback. */
async function natsReader(url: string, form: 'iterator' | 'callback'): Promise<Reader> {
  const nc = await connect({ servers: [url] });
  const js = nc.jetstream();
  const iters: { stop(): void }[] = [];
  return {
    start: async (each) => {
      for (let p = 0; p < P; p++) {
        const c = await js.consumers.get(subjects.jsStream, { opt_start_seq: 1, filterSubjects: subjects.partitionFilter(p) });
        if (form === 'callback') {
          iters.push(await c.consume({ max_messages: BATCH, callback: (m) => each(m.subject) }));
        } else {
          const iter = await c.consume({ max_messages: BATCH });
          iters.push(iter);
          void (async () => {
            for await (const m of iter) each(m.subject);
          })();
        }
      }
    },
    publish: (subject, data) => nc.publish(subject, data),
    flush: () => nc.flush(),
    close: async () => {
      for (const iter of iters) iter.stop();
      await nc.close();
    },
  };
}

/** @carousel/bus's NatsTransport, as the worker reads: consume() + publish(). */
async function busReader(url: string): Promise<Reader> {
  const t = await NatsTransport.connect({ servers: [url], name: 'carousel-floor-probe' });
  const consumers = Array.from({ length: P }, (_, p) => t.consume(subjects.jsStream, { afterSeq: 0, filterSubject: subjects.partitionFilter(p), batch: BATCH }));
  return {
    start: async (each) => {
      for (const c of consumers) {
        void (async () => {
          for await (const m of c) each(m.subject);
        })();
      }
    },
    publish: (subject, data) => t.publish(subject, data),
    flush: () => t.flush(),
    close: async () => {
      await Promise.all(consumers.map((c) => c.close()));
      await t.close();
    },
  };
}

/** Drains the backlog, answering every message; returns [CPU µs, wall ms] from start to the last answer flushed. */
async function drain(reader: Reader): Promise<[number, number]> {
  let left = samples;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await reader.start((subject) => {
    reader.publish(subjects.out(subject.slice(subject.lastIndexOf('.') + 1)), PREDICTION);
    if (--left === 0) done();
  });
  await all;
  await reader.flush();
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  await reader.close();
  return [c.user + c.system, wall];
}

const arms = {
  nats: (url: string) => natsReader(url, 'iterator'),
  'nats-callback': (url: string) => natsReader(url, 'callback'),
  bus: busReader,
} as const;
const cpuPer = Object.fromEntries(Object.keys(arms).map((arm) => [arm, [] as number[]]));
console.log(`nats floor probe: ${samples} samples over ${STREAMS} streams, ${P} partition consumers, ${rounds} rounds`);
for (let r = 0; r < rounds; r++) {
  const order = Object.keys(arms) as (keyof typeof arms)[];
  for (const arm of r % 2 === 0 ? order : order.reverse()) {
    const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
    try {
      const nc = await connect({ servers: [server.url] });
      await backlog(nc);
      await nc.close();
      const [cpu, wall] = await drain(await arms[arm](server.url));
      cpuPer[arm]!.push(cpu / samples);
      console.log(JSON.stringify({ round: r + 1, arm, cpuUsPerSample: Number((cpu / samples).toFixed(1)), samplesPerSecond: Math.round(samples / (wall / 1000)) }));
    } finally {
      await server.close();
    }
  }
}
console.log(`medians, us of CPU a sample: ${Object.entries(cpuPer).map(([arm, v]) => `${arm} ${median(v).toFixed(1)}`).join(', ')}`);
