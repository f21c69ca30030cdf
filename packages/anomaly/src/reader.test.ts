import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './csv.ts';
import { ANOMALY_ERR } from './errors.ts';
import { readNabCorpus, readResultFile, readResults } from './reader.ts';
import { formatNabTimestamp, parseNabTimestamp } from './timestamps.ts';
import { windowLabels } from './windows.ts';
import { formatNabResults, resultFilePath, writeNabResults } from './writer.ts';

describe('NAB timestamps', () => {
  it('read data and label spellings of one instant as equal', () => {
    expect(parseNabTimestamp('2014-04-10 07:15:00.000000')).toBe(parseNabTimestamp('2014-04-10 07:15:00'));
    expect(parseNabTimestamp('2014-04-10 07:15:00.5')).toBe(parseNabTimestamp('2014-04-10 07:15:00') + 500_000);
    expect(parseNabTimestamp('1970-01-01 00:00:01')).toBe(1_000_000);
  });

  it('format back to the data spelling, with microseconds only when present', () => {
    expect(formatNabTimestamp(parseNabTimestamp('2014-04-10 07:15:00.000000'))).toBe('2014-04-10 07:15:00');
    expect(formatNabTimestamp(parseNabTimestamp('2014-04-10 07:15:00.000042'))).toBe('2014-04-10 07:15:00.000042');
  });

  it('refuse what is not a timestamp', () => {
    expect(() => parseNabTimestamp('10/04/2014 07:15')).toThrow(ANOMALY_ERR.PARSE);
  });
});

describe('parseCsv', () => {
  it('reads a header and rows, skipping blank lines and CRLF endings', () => {
    expect(parseCsv('timestamp,value\r\n2014-01-01 00:00:00,1.5\r\n\r\n', 'x')).toEqual({
      header: ['timestamp', 'value'],
      rows: [['2014-01-01 00:00:00', '1.5']],
    });
  });

  it('refuses ragged rows and quoted fields rather than guessing', () => {
    expect(() => parseCsv('a,b\n1\n', 'x')).toThrow(ANOMALY_ERR.PARSE);
    expect(() => parseCsv('a,b\n"1,2",3\n', 'x')).toThrow(ANOMALY_ERR.PARSE);
    expect(() => parseCsv('\n\n', 'x')).toThrow(ANOMALY_ERR.PARSE);
  });
});

describe('reader and writer on a NAB layout', () => {
  let dir = '';
  const ts = ['2015-01-01 00:00:00', '2015-01-01 00:05:00', '2015-01-01 00:05:00', '2015-01-01 00:10:00'];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'carousel-nab-'));
    await mkdir(path.join(dir, 'data', 'realTraffic'), { recursive: true });
    await mkdir(path.join(dir, 'labels'));
    await mkdir(path.join(dir, 'config'));
    await writeFile(path.join(dir, 'data', 'realTraffic', 'speed.csv'), `timestamp,value\n${ts.map((t, i) => `${t},${i * 1.5}`).join('\n')}\n`);
    await writeFile(
      path.join(dir, 'labels', 'combined_windows.json'),
      JSON.stringify({ 'realTraffic/speed.csv': [['2015-01-01 00:05:00.000000', '2015-01-01 00:10:00.000000']] }),
    );
    await writeFile(
      path.join(dir, 'config', 'profiles.json'),
      JSON.stringify({ standard: { CostMatrix: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 } } }),
    );
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads data, windows and profiles', async () => {
    const c = await readNabCorpus(dir);
    expect([...c.data.keys()]).toEqual(['realTraffic/speed.csv']);
    const s = c.data.get('realTraffic/speed.csv')!;
    expect(Array.from(s.values)).toEqual([0, 1.5, 3, 4.5]);
    expect(Array.from(s.timestamps)).toEqual(ts.map(parseNabTimestamp));
    expect(c.windows.get('realTraffic/speed.csv')).toEqual([[s.timestamps[1], s.timestamps[3]]]);
    expect(c.profiles.standard).toEqual({ tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 });
  });

  it('writes result files that read back row for row, under NAB names', async () => {
    const c = await readNabCorpus(dir);
    const s = c.data.get('realTraffic/speed.csv')!;
    const scores = Float64Array.from([0.1, 0.25, 1 / 3, 1]);
    const labels = windowLabels(s.timestamps, c.windows.get('realTraffic/speed.csv')!);
    const out = path.join(dir, 'results');
    const file = await writeNabResults(out, 'carousel', 'realTraffic/speed.csv', { timestamps: s.timestamps, values: s.values, scores, labels });
    expect(file).toBe(path.join(out, 'carousel', 'realTraffic', 'carousel_speed.csv'));
    expect((await readFile(file, 'utf8')).split('\n').slice(0, 3)).toEqual([
      'timestamp,value,anomaly_score,label',
      '2015-01-01 00:00:00,0,0.1,0',
      '2015-01-01 00:05:00,1.5,0.25,1',
    ]);
    await writeFile(path.join(out, 'carousel', 'carousel_standard_scores.csv'), 'Detector,Score\n'); // NAB's summary: skipped
    const back = await readResults(out, 'carousel');
    expect([...back.keys()]).toEqual(['realTraffic/speed.csv']);
    expect(back.get('realTraffic/speed.csv')).toEqual({ timestamps: s.timestamps, scores });
  });

  it('reads only timestamp and anomaly_score from a result file with extra columns', async () => {
    const f = path.join(dir, 'extra.csv');
    await writeFile(f, 'timestamp,value,anomaly_score,label,S(t)_standard\n2015-01-01 00:00:00,3,0.5,0,-0.11\n');
    const r = await readResultFile(f);
    expect(Array.from(r.scores)).toEqual([0.5]);
    await writeFile(f, 'timestamp,value\n2015-01-01 00:00:00,3\n');
    await expect(readResultFile(f)).rejects.toThrow(ANOMALY_ERR.PARSE);
    await writeFile(f, 'timestamp,anomaly_score\n2015-01-01 00:00:00,NaN\n');
    await expect(readResultFile(f)).rejects.toThrow(ANOMALY_ERR.PARSE);
    await expect(readResultFile(path.join(dir, 'missing.csv'))).rejects.toThrow(ANOMALY_ERR.IO);
  });

  it('refuses to format rows of different lengths or to place a result outside <category>/<file>', () => {
    const one = Float64Array.of(0);
    expect(() => formatNabResults({ timestamps: one, values: one, scores: new Float64Array(2), labels: new Uint8Array(1) })).toThrow(ANOMALY_ERR.INPUT);
    expect(() => resultFilePath('r', 'd', 'speed.csv')).toThrow(ANOMALY_ERR.INPUT);
  });
});
