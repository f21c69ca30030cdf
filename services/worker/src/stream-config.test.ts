// What a stream's config may ask for: parseStreamConfig refuses, with WORKER_ERR_CONFIG naming the
// field and before anything is allocated, a model over the size limits and whole-sequence BPTT (a
// stream never ends); checkStreamConfig refuses what the model itself refuses as it builds; the
// weights at the stream's dimension are capped where the model is first built.

import { describe, expect, it } from 'vitest';
import { groupCore, addMember } from './group-actor.ts';
import { MAX_STREAM_LAYERS, MAX_STREAM_UNITS, MAX_STREAM_WEIGHTS, MAX_STREAM_WINDOW, checkModelWeights, parseStreamConfig, type StreamConfig } from './stream-config.ts';
import { StreamProcessor, checkStreamConfig } from './stream-processor.ts';

const parse = (model: Record<string, unknown>) => () => parseStreamConfig({ model } as Partial<StreamConfig>);

describe('stream config limits', () => {
  it('takes a model at the limits and refuses one over them, naming the field', () => {
    expect(parseStreamConfig({ model: { hidden: [512, 512], k2: MAX_STREAM_WINDOW } } as Partial<StreamConfig>).model.hidden).toEqual([512, 512]);
    expect(parse({ hidden: MAX_STREAM_UNITS + 1 })).toThrow(`WORKER_ERR_CONFIG: model.hidden asks for ${MAX_STREAM_UNITS + 1} units, over the ${MAX_STREAM_UNITS} units a stream may have`);
    expect(parse({ hidden: [600, 600] })).toThrow(/model.hidden asks for 1200 units/);
    expect(parse({ hidden: Array.from({ length: MAX_STREAM_LAYERS + 1 }, () => 4) })).toThrow(/model.hidden asks for 9 layers/);
    expect(parse({ cell: 'lstm97', learner: 'rtrl97', hidden: 300, lstm97: { cellsPerBlock: 4 } })).toThrow(/model.hidden asks for 1200 units/);
    expect(parse({ k2: MAX_STREAM_WINDOW + 1 })).toThrow(/model.k2 asks for a window of 1025 steps/);
    // A config read back from a checkpoint written before the limits restores as it ran.
    expect(parseStreamConfig({ model: { hidden: 2000, learner: 'bptt' } } as Partial<StreamConfig>, undefined, { limits: false }).model).toMatchObject({ hidden: 2000, learner: 'bptt' });
  });

  it('refuses whole-sequence BPTT, which would refuse every sample after its 1,024th', () => {
    expect(parse({ learner: 'bptt' })).toThrow(/WORKER_ERR_CONFIG: model.learner bptt needs sequences that end/);
    // What the refusal prevents: the learner itself stops at its maximum sequence length.
    const p = new StreamProcessor(Object.freeze({ ...parseStreamConfig(), model: { ...parseStreamConfig().model, learner: 'bptt' as const, hidden: 2 } }), 1);
    expect(() => {
      for (let i = 0; i < 1100; i++) p.process(i, [Math.sin(i)], i);
    }).toThrow(/LSTM_ERR_STATE/);
  });

  it('checkStreamConfig refuses a model the LSTM refuses (a learner the cell has not, a negative rate) as WORKER_ERR_CONFIG', () => {
    expect(() => checkStreamConfig(parseStreamConfig({ model: { cell: 'cifg', learner: 'rtrl97', hidden: 4 } } as Partial<StreamConfig>))).toThrow(/^WORKER_ERR_CONFIG: the stream config does not build a model: LSTM_ERR_UNSUPPORTED/);
    expect(() => checkStreamConfig(parseStreamConfig({ model: { optimizer: { kind: 'sgd', lr: -1 } } } as Partial<StreamConfig>))).toThrow(/WORKER_ERR_CONFIG/);
    expect(() => checkStreamConfig(parseStreamConfig())).not.toThrow();
  });

  it('caps the weights at the stream\'s dimension, counted before anything is built: a stream, a group\'s first member', () => {
    // vanilla, 512 units, X features, a linear head of X: 4·512·(X + 513) + X·513 = 2,561·X + 1,050,624.
    const cfg = parseStreamConfig({ model: { hidden: 512 } } as Partial<StreamConfig>);
    expect(() => checkModelWeights(cfg.model, 2865)).not.toThrow(); // 8,387,889
    expect(() => checkModelWeights(cfg.model, 2866)).toThrow(`WORKER_ERR_CONFIG: model.hidden asks for 8,390,450 weights at 2866 features, over the ${MAX_STREAM_WEIGHTS.toLocaleString('en-US')} weights a stream may have`);
    expect(() => new StreamProcessor(cfg, 2866)).toThrow(/WORKER_ERR_CONFIG: model.hidden asks for 8,390,450 weights/);
    const g = groupCore(cfg);
    expect(() => addMember(g, 'm-1', 2866)).toThrow(/WORKER_ERR_CONFIG: model.hidden asks for 8,390,450 weights/);
    expect(g.model).toBeNull();
    expect(g.members.size).toBe(0);
  });
});
