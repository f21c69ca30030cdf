// npm audit of the production dependencies: the verdict logic of scripts/audit.mjs, checked on
// fixed reports. The live audit is `npm run audit` (scripts/audit.sh), not part of `npm test`: it
// needs the registry's advisory endpoint, which this workplace refuses (405), and an audit that
// could not run must never be reported as clean, nor fail every CI run for a reason outside the code.

import { describe, expect, test } from 'vitest';
// @ts-expect-error -- a plain .mjs script with JSDoc types, shared with scripts/audit.sh
import { auditVerdict } from '../../scripts/audit.mjs';

type Verdict = { status: 'clean' | 'vulnerable' | 'unavailable'; reason: string; counts: Record<string, number>; findings: Array<{ name: string; severity: string; advisories: string[] }> };
const verdict = auditVerdict as (report: unknown) => Verdict;

function report(vulnerabilities: Record<string, unknown>, counts: Record<string, number>): unknown {
  const meta = { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts };
  const total = Object.values(meta).reduce((a, b) => a + b, 0);
  return { auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { ...meta, total }, dependencies: { prod: 40 } } };
}

describe('npm audit - the verdict on a report', () => {
  test('no advisories is clean', () => {
    expect(verdict(report({}, {})).status).toBe('clean');
  });

  test('low and moderate advisories are clean, and counted', () => {
    const v = verdict(report({ foo: { name: 'foo', severity: 'moderate', via: [{ title: 'ReDoS', severity: 'moderate', url: 'https://x' }] } }, { moderate: 1 }));
    expect(v.status).toBe('clean');
    expect(v.counts.moderate).toBe(1);
  });

  test('a high or critical advisory fails, naming the package and the advisory', () => {
    const v = verdict(report({
      ws: { name: 'ws', severity: 'high', via: [{ title: 'DoS on many headers', severity: 'high', url: 'https://github.com/advisories/GHSA-3h5v-q93c-6h6q' }] },
      bar: { name: 'bar', severity: 'critical', via: ['ws'] },
    }, { high: 1, critical: 1 }));
    expect(v.status).toBe('vulnerable');
    expect(v.findings.map((f) => f.name).sort()).toEqual(['bar', 'ws']);
    expect(v.findings.find((f) => f.name === 'ws')!.advisories[0]).toContain('DoS on many headers');
  });

  test('a refused audit endpoint is unavailable, never clean', () => {
    // The shape npm printed here when the registry refused the bulk advisory POST.
    const refused = { message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', method: 'POST', statusCode: 405, body: '', error: { summary: '', detail: '' } };
    const v = verdict(refused);
    expect(v.status).toBe('unavailable');
    expect(v.reason).toContain('405 Method Not Allowed');
    expect(verdict(undefined).status).toBe('unavailable');
  });
});
