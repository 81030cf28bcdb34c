/**
 * Lints the node's /openapi.json with Redocly CLI's recommended rules (redocly.yaml), the check CI
 * runs (`.ci/run`): `npm run lint:openapi`. The document is the real app's, built in process with
 * the default configuration (as `npm run client:types` builds it), written to a temp file, and
 * handed to `redocly lint` with its telemetry and update check off (CI has no network). Passes only
 * when the document is clean: no error and no warning. Prints each rule that fails, how often, and
 * where first; `--json` prints Redocly's whole report.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from './client-types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Problem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer: string }[];
}

export interface LintReport {
  problems: Problem[];
  /** Per rule: severity, count, the first places. */
  rules: { rule: string; severity: string; count: number; where: string[] }[];
}

export async function lintOpenApi(doc?: Record<string, unknown>): Promise<LintReport> {
  const dir = mkdtempSync(join(tmpdir(), 'mhn-lint-'));
  try {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc ?? (await openApiDocument()), null, 2));
    const cli = createRequire(import.meta.url).resolve('@redocly/cli/bin/cli.js');
    const r = spawnSync(process.execPath, [cli, 'lint', '--config', join(ROOT, 'redocly.yaml'), '--format', 'json', file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      timeout: 120_000,
    });
    const start = r.stdout.indexOf('{');
    if (start < 0) throw new Error(`redocly lint printed no report (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`);
    const problems = (JSON.parse(r.stdout.slice(start)) as { problems: Problem[] }).problems;
    const rules = new Map<string, LintReport['rules'][number]>();
    for (const p of problems) {
      const key = `${p.severity} ${p.ruleId}`;
      let rule = rules.get(key);
      if (!rule) rules.set(key, (rule = { rule: p.ruleId, severity: p.severity, count: 0, where: [] }));
      rule.count++;
      if (rule.where.length < 5) rule.where.push(p.location[0]?.pointer ?? '');
    }
    return { problems, rules: [...rules.values()].sort((a, b) => a.severity.localeCompare(b.severity) || b.count - a.count) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run() {
  const report = await lintOpenApi();
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(report.problems, null, 2)}\n`);
  if (report.problems.length === 0) {
    process.stdout.write("/openapi.json: clean under Redocly's recommended rules\n");
    return;
  }
  const errors = report.problems.filter((p) => p.severity === 'error').length;
  process.stderr.write(`/openapi.json: ${errors} error(s) and ${report.problems.length - errors} warning(s) under Redocly's recommended rules\n`);
  for (const r of report.rules)
    process.stderr.write(`  ${r.severity.padEnd(5)} ${r.rule} × ${r.count}: ${r.where.join(', ')}${r.count > r.where.length ? ', …' : ''}\n`);
  process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run().catch((e) => {
    process.stderr.write(`lint-openapi: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  });
}
