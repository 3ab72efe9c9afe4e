// The alerts and recording rules: promtool finds them valid and their unit tests pass (every
// alert with a case where it fires and one where it does not), every alert has a runbook in
// docs/operations.md, and the copies in the chart and the PrometheusRule are the rule file.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const rulesPath = 'config/prometheus/westward.rules.yaml';
const testsPath = 'test/unit/observability/westward.rules.test.yaml';
const read = (relative: string): string => readFileSync(path.join(root, relative), 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}
interface PromtoolTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[]; promql_expr_test?: { expr: string }[] }[];
}

const rules = parse(read(rulesPath)) as RuleFile;
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const records = rules.groups.flatMap((g) => g.rules).filter((r) => r.record !== undefined);

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: root, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool is needed (Debian: apt-get install prometheus; test/setup/ensure-tools.sh installs it): ${run.error.message}`);
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus rules', () => {
  it('pass promtool check rules', () => {
    const run = promtool(['check', 'rules', rulesPath]);
    expect(run.output).toContain(`SUCCESS: ${alerts.length + records.length} rules found`);
    expect(run.status, run.output).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    const run = promtool(['test', 'rules', testsPath]);
    expect(run.status, run.output).toBe(0);
  });

  it('have a case where each alert fires and one where it does not', () => {
    const cases = (parse(read(testsPath)) as PromtoolTests).tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${alert.alert ?? ''} fires somewhere`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${alert.alert ?? ''} stays quiet somewhere`).toBe(true);
    }
  });

  it('test every recording rule', () => {
    const tested = (parse(read(testsPath)) as PromtoolTests).tests.flatMap((t) => t.promql_expr_test ?? []).map((t) => t.expr.replace(/\{.*$/, ''));
    expect(records.map((r) => r.record).filter((name) => !tested.includes(name ?? ''))).toEqual([]);
  });

  it('give every alert a severity and a runbook that docs/operations.md has', () => {
    const operations = read('docs/operations.md');
    const anchors = new Set([...operations.matchAll(/^#+ (.+)$/gm)].map((m) => (m[1] ?? '').trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const alert of alerts) {
      expect(['critical', 'warning'], `${alert.alert ?? ''} severity`).toContain(alert.labels?.severity);
      const runbook = alert.annotations?.runbook ?? '';
      expect(runbook, `${alert.alert ?? ''} runbook`).toBe(`docs/operations.md#${(alert.alert ?? '').toLowerCase()}`);
      expect(anchors.has(runbook.split('#')[1] ?? ''), `docs/operations.md has a heading for ${runbook}`).toBe(true);
    }
  });

  it('ship unchanged in the chart and as the PrometheusRule of config/prometheus', () => {
    expect(read('charts/westward/files/prometheus/westward.rules.yaml') === read(rulesPath), `run: cp ${rulesPath} charts/westward/files/prometheus/`).toBe(true);
    const prometheusRule = parse(read('config/prometheus/prometheusrule.yaml')) as { kind: string; spec: unknown };
    expect(prometheusRule.kind).toBe('PrometheusRule');
    expect(prometheusRule.spec).toEqual(rules);
    expect(read('config/prometheus/kustomization.yaml')).toMatch(/^\s+- prometheusrule\.yaml$/m);
  });
});
