// The Grafana dashboard cannot be loaded here (no Grafana), so its JSON is checked for what
// Grafana's dashboard model requires and for queries that name only series the operator or the
// recording rules produce; test/e2e/observability.test.ts runs every query against a real
// Prometheus that scraped the operator.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (relative: string): string => readFileSync(path.join(root, relative), 'utf8');
const dashboardPath = 'config/grafana/westward-dashboard.json';

interface Target {
  refId?: unknown;
  expr?: unknown;
  datasource?: unknown;
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  gridPos?: { h?: unknown; w?: unknown; x?: unknown; y?: unknown };
  datasource?: unknown;
  targets?: Target[];
}
interface Dashboard {
  title?: unknown;
  uid?: unknown;
  schemaVersion?: unknown;
  time?: { from?: unknown; to?: unknown };
  templating?: { list?: { name?: unknown; type?: unknown }[] };
  panels?: Panel[];
}

const dashboard = JSON.parse(read(dashboardPath)) as Dashboard;
const panels = dashboard.panels ?? [];
const queryPanels = panels.filter((p) => p.type !== 'row');
const variables = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
const builtins = new Set(['__rate_interval', '__interval', '__range']);
const panelTypes = new Set(['row', 'timeseries', 'stat', 'table', 'state-timeline', 'gauge', 'bargauge']);

/** Every metric name the operator declares in src/, and every recording rule. */
function knownSeries(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts')) for (const m of read(rel).matchAll(/name: '(westward_[a-z0-9_]+)'/g)) names.add(m[1] ?? '');
    }
  };
  walk('src');
  const rules = parse(read('config/prometheus/westward.rules.yaml')) as { groups: { rules: { record?: string }[] }[] };
  for (const r of rules.groups.flatMap((g) => g.rules)) if (r.record !== undefined) names.add(r.record);
  return names;
}

describe('Grafana dashboard', () => {
  it('has the top-level fields of a dashboard model', () => {
    expect(typeof dashboard.title).toBe('string');
    expect(dashboard.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(typeof dashboard.schemaVersion).toBe('number');
    expect(typeof dashboard.time?.from).toBe('string');
    expect(typeof dashboard.time?.to).toBe('string');
    expect(Array.isArray(dashboard.templating?.list)).toBe(true);
    expect(dashboard.templating?.list?.find((v) => v.name === 'datasource')?.type).toBe('datasource');
  });

  it('gives every panel a unique id, a known type, a title and a place on the 24-column grid', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const where = `panel ${String(p.title)}`;
      expect(Number.isInteger(p.id), where).toBe(true);
      expect(panelTypes.has(String(p.type)), `${where} type ${String(p.type)}`).toBe(true);
      expect(typeof p.title === 'string' && p.title !== '', where).toBe(true);
      const { h, w, x, y } = p.gridPos ?? {};
      for (const n of [h, w, x, y]) expect(Number.isInteger(n), `${where} gridPos`).toBe(true);
      expect((x as number) + (w as number), `${where} fits in 24 columns`).toBeLessThanOrEqual(24);
      expect(h as number, where).toBeGreaterThan(0);
    }
  });

  it('has no two panels on the same cells', () => {
    const cells = new Map<string, string>();
    for (const p of panels) {
      const { h, w, x, y } = p.gridPos as { h: number; w: number; x: number; y: number };
      for (let r = y; r < y + h; r++) {
        for (let c = x; c < x + w; c++) {
          const key = `${String(r)},${String(c)}`;
          expect(cells.get(key), `${String(p.title)} overlaps ${cells.get(key) ?? ''}`).toBeUndefined();
          cells.set(key, String(p.title));
        }
      }
    }
  });

  it('queries the chosen Prometheus data source with unique refIds and defined variables', () => {
    for (const p of queryPanels) {
      const where = `panel ${String(p.title)}`;
      expect(p.datasource, where).toEqual({ type: 'prometheus', uid: '${datasource}' });
      const targets = p.targets ?? [];
      expect(targets.length, where).toBeGreaterThan(0);
      expect(new Set(targets.map((t) => t.refId)).size, `${where} refIds`).toBe(targets.length);
      for (const t of targets) {
        expect(typeof t.expr === 'string' && t.expr.trim() !== '', where).toBe(true);
        for (const m of String(t.expr).matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          expect(variables.has(m[1]) || builtins.has(m[1] ?? ''), `${where} uses $${m[1] ?? ''}`).toBe(true);
        }
      }
    }
  });

  it('names only series the operator exports or the recording rules make', () => {
    const known = knownSeries();
    const used = queryPanels.flatMap((p) => (p.targets ?? []).flatMap((t) => [...String(t.expr).matchAll(/\b([a-z_:]*westward[a-z0-9_:]*)\b/g)].map((m) => m[1] ?? '')));
    expect(used.length).toBeGreaterThan(queryPanels.length - 1);
    const unknown = used.map((n) => n.replace(/_(bucket|sum|count)$/, '')).filter((n) => !known.has(n));
    expect(unknown).toEqual([]);
  });

  it('covers hubs, workloads, impact, forecasts and the operator', () => {
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Hubs', 'Workloads', 'Impact', 'Forecasts', 'Operator']);
  });

  it('ships unchanged in the chart', () => {
    expect(read('charts/westward/files/grafana/westward-dashboard.json') === read(dashboardPath), `run: cp ${dashboardPath} charts/westward/files/grafana/`).toBe(true);
    const template = read('charts/westward/templates/grafana-dashboard.yaml');
    expect(template).toContain('grafana_dashboard: "1"');
    expect(template).toContain('.Files.Get "files/grafana/westward-dashboard.json"');
  });
});
