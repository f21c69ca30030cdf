#!/usr/bin/env node
// `npm audit` of the production dependencies (--omit=dev) with a three-way verdict: clean, or
// vulnerable (a high or critical advisory, each listed), or unavailable (npm could not get an
// audit from the registry: nothing was checked, and that is never reported as clean).
// Exit codes: 0 clean, 1 vulnerable, 2 unavailable. Used by scripts/audit.sh and
// test/security/npm-audit.test.ts.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Severities that fail the audit. */
export const BLOCKING = ['high', 'critical'];

/**
 * The verdict on one `npm audit --json` report (npm >= 7, auditReportVersion 2).
 * @param {unknown} report the parsed JSON npm printed (undefined when it printed none)
 * @returns {{ status: 'clean' | 'vulnerable' | 'unavailable', reason: string,
 *   counts: Record<string, number>, findings: Array<{ name: string, severity: string, advisories: string[] }> }}
 */
export function auditVerdict(report) {
  const counts = {};
  if (report === null || typeof report !== 'object') {
    return { status: 'unavailable', reason: 'npm audit printed no JSON report', counts, findings: [] };
  }
  const meta = report.metadata?.vulnerabilities;
  if (report.auditReportVersion !== 2 || meta === undefined || typeof report.vulnerabilities !== 'object') {
    const why = String(report.message ?? report.error?.summary ?? report.statusCode ?? '');
    return { status: 'unavailable', reason: `npm audit returned no audit report${why === '' ? '' : `: ${why}`}`, counts, findings: [] };
  }
  Object.assign(counts, meta);
  const findings = [];
  for (const [name, v] of Object.entries(report.vulnerabilities)) {
    if (!BLOCKING.includes(v.severity)) continue;
    const advisories = (v.via ?? []).map((a) => (typeof a === 'string' ? `via ${a}` : `${a.title ?? 'advisory'} (${a.severity}) ${a.url ?? ''}`.trim()));
    findings.push({ name, severity: v.severity, advisories });
  }
  const blocking = BLOCKING.reduce((n, s) => n + (meta[s] ?? 0), 0);
  if (findings.length > 0 || blocking > 0) {
    return { status: 'vulnerable', reason: `${blocking} high/critical advisories in production dependencies`, counts, findings };
  }
  return { status: 'clean', reason: `no high/critical advisories (${meta.total ?? 0} of lower severity)`, counts, findings };
}

/** Runs `npm audit --omit=dev --json` in `cwd`; returns the parsed report (or undefined) and npm's stderr. */
export function runAudit(cwd, timeoutMs = 120_000) {
  const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd, encoding: 'utf8', timeout: timeoutMs });
  let report;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = undefined;
  }
  return { report, stderr: r.stderr ?? '', exitCode: r.status };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const { report, stderr } = runAudit(root);
  const v = auditVerdict(report);
  if (v.status === 'unavailable') {
    console.error(`audit: UNAVAILABLE - production dependencies were NOT audited: ${v.reason}`);
    const npmErr = stderr.split('\n').filter((l) => /npm (error|warn) audit/.test(l));
    if (npmErr.length > 0) console.error(npmErr.join('\n'));
    process.exit(2);
  }
  for (const f of v.findings) console.log(`${f.severity.padEnd(8)} ${f.name}\n  ${f.advisories.join('\n  ')}`);
  console.log(`audit: ${v.status.toUpperCase()} - ${v.reason}`);
  process.exit(v.status === 'clean' ? 0 : 1);
}
