import { describe, expect, test } from 'vitest';
import { decodePrediction, encodePrediction } from '@carousel/protocol';
import { predictionFrame } from './frames.ts';

const decoded = (x?: number[]) => {
  const d = decodePrediction(encodePrediction({ v: 1, stream: 's-1', seq: 7, f: [1.5, 2], ...(x ? { x } : {}), err: 0.25, score: null, lik: null, mv: 2, pt: 0.001 }));
  if (!d.ok) throw new Error(d.reject.msg);
  return d.value;
};

describe('prediction frames', () => {
  test('carry the sample value x as plain numbers when the prediction has it', () => {
    const body = JSON.parse(predictionFrame(decoded([3.25, -1]), 0).data('json') as string) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'prediction', stream: 's-1', seq: 7, f: [1.5, 2], x: [3.25, -1], err: 0.25 });
  });

  test('leave x out when the prediction has none', () => {
    const body = JSON.parse(predictionFrame(decoded(), 0).data('json') as string) as Record<string, unknown>;
    expect('x' in body).toBe(false);
  });
});
