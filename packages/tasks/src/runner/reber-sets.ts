// Experiment 1's string sets as the paper builds them (LSTM-SPEC 4.1, [P] §5.1 "Training/Testing"):
// "The training set is generated randomly; training exemplars are picked randomly from the training
// set. Test sequences are generated randomly, too, but sequences already used in the training set
// are not used for testing." So the 256 training strings are 256 independent random draws
// (repeats allowed: a short string such as BTBTXSETE is drawn about once per 128 strings), and the
// 256 test strings are random draws that skip any string of the training set.
//
// reberSets() of ../reber.ts instead makes every string of each set distinct. That rejects the
// frequent short strings and skews both sets towards long ones (mean length 16.5 train / 19.5 test
// symbols against 12.0 for the grammar; longest 36 / 43 against ~30), i.e. longer lags and more
// internal state drift than the paper's task. The runner uses this module instead.

import type { Rng } from '@carousel/lstm';
import { TASK_ERR, TaskError } from '../errors.ts';
import { embeddedReber } from '../reber.ts';
import type { ReberMeta, ReberSets, ReberTarget } from '../reber.ts';
import type { TaskSequence } from '../sequence.ts';

/** Draws per requested test string before giving up (the test set is the rejection step). */
const MAX_DRAWS_PER_TEST_STRING = 1000;

/**
 * The paper's Experiment 1 sets: `trainSize` random embedded Reber strings (repeats allowed), then
 * `testSize` random strings none of which occurs in the training set (repeats among them allowed).
 * Draws everything from `rng`, train first.
 */
export function paperReberSets(rng: Rng, options: { trainSize: number; testSize: number; target?: ReberTarget }): ReberSets {
  const gen = embeddedReber({ target: options.target ?? 'next' });
  const train: TaskSequence<ReberMeta>[] = [];
  for (let i = 0; i < options.trainSize; i++) train.push(gen.next(rng));
  const seen = new Set(train.map((s) => s.meta.symbols));
  const test: TaskSequence<ReberMeta>[] = [];
  for (let draws = 0; test.length < options.testSize; draws++) {
    if (draws >= options.testSize * MAX_DRAWS_PER_TEST_STRING) {
      throw new TaskError(TASK_ERR.EXHAUSTED, `could not draw ${options.testSize} test strings outside the training set`, test.length);
    }
    const s = gen.next(rng);
    if (!seen.has(s.meta.symbols)) test.push(s);
  }
  return { train, test };
}
