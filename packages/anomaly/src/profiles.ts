// NAB application profiles (config/profiles.json): a named cost matrix each. Parsing and checks
// only; reading the file is reader.ts's job.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';

/** The weights of one NAB profile. */
export interface CostMatrix {
  /** Reward for the earliest detection in a window, before the sigmoid (1 in all NAB profiles). */
  readonly tpWeight: number;
  /** Cost of each detection outside windows, before the sigmoid (0.11 or 0.22 in NAB). */
  readonly fpWeight: number;
  /** Cost of each window with no detection (1 or 2 in NAB). */
  readonly fnWeight: number;
  /** Carried for completeness; NAB never uses it in scoring. */
  readonly tnWeight: number;
}

/** Profile name -> cost matrix, in file order. */
export type Profiles = Readonly<Record<string, CostMatrix>>;

/** The three profiles of NAB v1.1, by the names final_results.json uses. */
export const NAB_PROFILE_NAMES = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

const WEIGHTS = ['tpWeight', 'fpWeight', 'fnWeight', 'tnWeight'] as const;

/** Parses profiles.json content: `{ name: { CostMatrix: { tpWeight, fpWeight, fnWeight, tnWeight } } }`. */
export function parseProfiles(json: unknown, source = 'profiles.json'): Profiles {
  if (!isRecord(json)) throw new AnomalyError(ANOMALY_ERR.PROFILE, `${source}: not an object`, source);
  const out: Record<string, CostMatrix> = {};
  for (const [name, entry] of Object.entries(json)) {
    const cm = isRecord(entry) ? entry['CostMatrix'] : undefined;
    if (!isRecord(cm)) throw new AnomalyError(ANOMALY_ERR.PROFILE, `${source}: profile '${name}' has no CostMatrix`, name);
    out[name] = checkCostMatrix(cm, `${source}: profile '${name}'`);
  }
  return Object.freeze(out);
}

/** Returns a frozen copy of `cm` after checking every weight is a finite number. */
export function checkCostMatrix(cm: Record<string, unknown>, what = 'cost matrix'): CostMatrix {
  const out: Record<string, number> = {};
  for (const w of WEIGHTS) {
    const v = cm[w];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new AnomalyError(ANOMALY_ERR.PROFILE, `${what}: ${w} must be a finite number, got ${String(v)}`, { [w]: v });
    }
    out[w] = v;
  }
  return Object.freeze(out) as unknown as CostMatrix;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
