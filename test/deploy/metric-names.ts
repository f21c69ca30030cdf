// The Carousel metric vocabulary as @carousel/metrics defines it (every registry a service creates,
// read back from prom-client), and a checker for the metric names and label matchers that PromQL
// expressions in infra/ (alert rules, dashboard panels) use. Not a PromQL parser: it finds
// `carousel_*` names and the `{label="..."}` matchers written directly after them.

import { createRegistry, gatewayMetrics, simulatorMetrics, workerMetrics } from '@carousel/metrics';

/** One defined metric: its type and the labels its samples can carry. */
export interface MetricDef {
  readonly type: string;
  readonly labels: ReadonlySet<string>;
}

/** Labels every scraped series has besides its own: the registry's default and Prometheus's target labels. */
const COMMON_LABELS = ['service', 'job', 'instance'];
/** Series a histogram exposes besides its name, and the label of its buckets. */
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** Every metric the worker, gateway and simulator registries define (process metrics included), by name. */
export async function definedMetrics(): Promise<Map<string, MetricDef>> {
  const worker = createRegistry({ service: 'worker' });
  workerMetrics(worker);
  const gateway = createRegistry({ service: 'gateway' });
  gatewayMetrics(gateway);
  const simulator = createRegistry({ service: 'simulator' });
  simulatorMetrics(simulator);
  const out = new Map<string, MetricDef>();
  for (const registry of [worker, gateway, simulator]) {
    for (const m of await registry.getMetricsAsJSON()) {
      // prom-client keeps the declared label names on the metric object; its typings do not show them.
      const declared = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [];
      out.set(m.name, { type: String(m.type), labels: new Set([...declared, ...COMMON_LABELS]) });
    }
    registry.clear();
  }
  return out;
}

/** A problem found in an expression. */
export interface NameProblem {
  readonly name: string;
  readonly problem: string;
}

/** `carousel_*` names an expression mentions, each with the label names of the matcher right after it. */
export function metricReferences(expr: string): { name: string; matchers: string[] }[] {
  const out: { name: string; matchers: string[] }[] = [];
  for (const m of expr.matchAll(/\b(carousel_[a-zA-Z0-9_]+)(\{[^}]*\})?/g)) {
    const body = m[2] ?? '';
    const matchers = [...body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((x) => x[1]!);
    out.push({ name: m[1]!, matchers });
  }
  return out;
}

/** Names in `expr` that @carousel/metrics does not define, and matchers on labels the metric does not have. */
export function checkExpression(expr: string, defined: ReadonlyMap<string, MetricDef>): NameProblem[] {
  const problems: NameProblem[] = [];
  for (const { name, matchers } of metricReferences(expr)) {
    let def = defined.get(name);
    let labels = def?.labels;
    if (def?.type === 'histogram') {
      problems.push({ name, problem: 'is a histogram: Prometheus has only its _bucket, _sum and _count series' });
      continue;
    }
    if (def === undefined) {
      const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
      const base = suffix === undefined ? undefined : defined.get(name.slice(0, -suffix.length));
      if (base?.type === 'histogram') {
        def = base;
        labels = suffix === '_bucket' ? new Set([...base.labels, 'le']) : base.labels;
      }
    }
    if (def === undefined || labels === undefined) {
      problems.push({ name, problem: 'not defined in @carousel/metrics' });
      continue;
    }
    for (const label of matchers) if (!labels.has(label)) problems.push({ name, problem: `has no label ${label}` });
  }
  return problems;
}
