// TaskSpec (experiment data) -> SequenceGenerator. The one place that maps a config's task to code.

import type { TaskSpec } from './experiments.ts';
import type { SequenceGenerator } from './sequence.ts';
import { embeddedReber } from './reber.ts';
import { longLag2a, longLag2b, longLag2c } from './longlag.ts';
import { noiseSignal } from './noise-signal.ts';
import { adding } from './adding.ts';
import { multiplication } from './multiplication.ts';
import { temporalOrder } from './temporal-order.ts';

/**
 * The generator for a task spec. For 'reber' this draws fresh random strings; the paper's
 * Experiment 1 trains and tests on fixed sets instead, built by reberSets().
 */
export function createGenerator(spec: TaskSpec): SequenceGenerator {
  switch (spec.kind) {
    case 'reber':
      return embeddedReber();
    case 'longlag':
      if (spec.variant === '2c') return longLag2c({ p: spec.p, q: spec.q });
      return spec.variant === '2a' ? longLag2a({ p: spec.p }) : longLag2b({ p: spec.p });
    case 'noise-signal':
      return noiseSignal({ variant: spec.variant, T: spec.T, N: spec.N });
    case 'adding':
      return adding({ T: spec.T });
    case 'multiplication':
      return multiplication({ T: spec.T });
    case 'temporal-order':
      return temporalOrder({ variant: spec.variant });
  }
}
