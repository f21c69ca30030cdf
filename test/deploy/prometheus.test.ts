// infra/prometheus, checked by promtool (config and rule syntax, the rules' unit tests) and against
// @carousel/metrics: an alert on a metric or label that no service defines would never fire.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '@carousel/test-suites';
import { checkExpression, definedMetrics, type MetricDef } from './metric-names.ts';

const DIR = path.join(REPO_ROOT, 'infra/prometheus');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}

/** Runs promtool in infra/prometheus; returns its exit status and everything it printed. */
function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function rules(): Rule[] {
  const file = parse(readFileSync(path.join(DIR, 'rules.yml'), 'utf8')) as RulesFile;
  return file.groups.flatMap((g) => g.rules);
}

describe('promtool', () => {
  test('accepts prometheus.yml, with its rule files', () => {
    const r = promtool('check', 'config', 'prometheus.yml');
    expect(r.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(r, r.output).toMatchObject({ status: 0 });
  });

  test('accepts rules.yml', () => {
    const r = promtool('check', 'rules', 'rules.yml');
    expect(r, r.output).toMatchObject({ status: 0 });
  });

  test('passes the alert unit tests in rules.test.yml', () => {
    const r = promtool('test', 'rules', 'rules.test.yml');
    expect(r.output).toContain('SUCCESS');
    expect(r, r.output).toMatchObject({ status: 0 });
  });
});

describe('alert rules', () => {
  let defined: Map<string, MetricDef>;
  beforeAll(async () => {
    defined = await definedMetrics();
  });

  test('use only metrics and labels that @carousel/metrics defines', () => {
    const problems = rules().flatMap((r) => checkExpression(r.expr, defined).map((p) => `${r.alert ?? r.record}: ${p.name} ${p.problem}`));
    expect(problems).toEqual([]);
  });

  test('cover worker down, consumer lag, rejects, checkpoints, WebSocket closes and drops, refused updates', () => {
    const byName = new Map(rules().map((r) => [r.alert, r.expr]));
    const expectations: [string, RegExp][] = [
      ['CarouselWorkerDown', /up\{job="worker"\}/],
      ['CarouselConsumerLagGrowing', /carousel_worker_consumer_lag_messages/],
      ['CarouselRejectRateHigh', /carousel_worker_rejects_total/],
      ['CarouselCheckpointFailures', /carousel_worker_checkpoint_failures_total/],
      ['CarouselWebSocketSlowConsumerCloses', /carousel_gateway_closes_total\{code="4008"\}/],
      ['CarouselWebSocketMessagesDropped', /carousel_gateway_messages_dropped_total/],
      ['CarouselModelRefusedUpdates', /carousel_worker_model_refused_updates_total/],
    ];
    for (const [alert, pattern] of expectations) expect(byName.get(alert), alert).toMatch(pattern);
  });

  test('each carry a severity and a summary', () => {
    for (const r of rules()) {
      expect(['critical', 'warning'], `${r.alert} severity`).toContain(r.labels?.severity);
      expect(r.annotations?.summary, `${r.alert} summary`).toBeTruthy();
    }
  });

  test('have unit tests that name existing alerts', () => {
    const unit = parse(readFileSync(path.join(DIR, 'rules.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string }[] }[] };
    const tested = new Set(unit.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    const alerts = new Set(rules().map((r) => r.alert));
    expect(tested.size).toBeGreaterThanOrEqual(2);
    for (const name of tested) expect(alerts, name).toContain(name);
  });
});

describe('the metric-name check', () => {
  test('flags unknown names, bare histograms and unknown labels, and accepts histogram series', async () => {
    const defined = await definedMetrics();
    expect(checkExpression('rate(carousel_worker_nope_total[5m])', defined)).toEqual([{ name: 'carousel_worker_nope_total', problem: 'not defined in @carousel/metrics' }]);
    expect(checkExpression('carousel_worker_step_seconds', defined)).toHaveLength(1);
    expect(checkExpression('carousel_gateway_clients{code="1"}', defined)).toEqual([{ name: 'carousel_gateway_clients', problem: 'has no label code' }]);
    expect(checkExpression('sum by (le) (rate(carousel_worker_step_seconds_bucket{partition="1", le!=""}[1m])) / carousel_worker_step_seconds_count', defined)).toEqual([]);
    expect(checkExpression('carousel_gateway_clients_bucket', defined)).toHaveLength(1);
  });
});
