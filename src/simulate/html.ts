// A self-contained HTML report: inline SVG drawn here, no script, no external resource.
import { policyNames } from './policies/policy.ts';
import { resultTable } from './report.ts';
import type { SimulationResult } from './run.ts';
import type { SignalStep } from './trace.ts';

export interface HtmlReportInput {
  title: string;
  fromMs: number;
  stepMs: number;
  steps: number;
  hubs: string[];
  workloads: string[];
  /** per hub, at least `steps` entries */
  signals: readonly (readonly SignalStep[])[];
  result: SimulationResult;
  notes: string[];
}

const palette = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#1f78b4', '#b2df8a', '#fb9a99', '#cab2d6'];
const width = 960;
const plotLeft = 64;
const plotRight = 16;
const maxPoints = 1200;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function colour(index: number): string {
  return palette[index % palette.length] ?? '#000';
}

/** Averages a series into at most `maxPoints` buckets, keeping each bucket's mid index. */
export function downsample(values: readonly number[], limit = maxPoints): { index: number; value: number }[] {
  if (values.length <= limit) return values.map((value, index) => ({ index, value }));
  const bucket = values.length / limit;
  const points: { index: number; value: number }[] = [];
  for (let b = 0; b < limit; b++) {
    const from = Math.floor(b * bucket);
    const to = Math.max(from + 1, Math.floor((b + 1) * bucket));
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i] ?? 0;
    points.push({ index: (from + to - 1) / 2, value: sum / (to - from) });
  }
  return points;
}

interface Series {
  name: string;
  colour: string;
  values: readonly number[];
}

function axisLabels(fromMs: number, stepMs: number, steps: number, plotWidth: number, height: number): string {
  const ticks = 6;
  const parts: string[] = [];
  for (let i = 0; i <= ticks; i++) {
    const x = plotLeft + (plotWidth * i) / ticks;
    const label = new Date(fromMs + (steps * stepMs * i) / ticks).toISOString().slice(0, 16).replace('T', ' ');
    parts.push(`<text x="${x.toFixed(1)}" y="${height - 4}" font-size="10" text-anchor="middle">${label}</text>`);
  }
  return parts.join('');
}

function lineChart(id: string, title: string, unit: string, series: readonly Series[], input: HtmlReportInput): string {
  const height = 260;
  const plotTop = 24;
  const plotBottom = height - 36;
  const plotWidth = width - plotLeft - plotRight;
  const all = series.flatMap((s) => s.values.slice(0, input.steps));
  const max = Math.max(1e-9, ...all);
  const min = Math.min(0, ...all);
  const y = (v: number): number => plotBottom - ((v - min) / (max - min)) * (plotBottom - plotTop);
  const x = (i: number): number => plotLeft + (input.steps <= 1 ? 0 : (i / (input.steps - 1)) * plotWidth);
  const paths = series.map((s) => {
    const points = downsample(s.values.slice(0, input.steps));
    const d = points.map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.index).toFixed(1)} ${y(p.value).toFixed(1)}`).join(' ');
    return `<path class="series" data-series="${escapeHtml(s.name)}" data-points="${points.length}" d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.2"><title>${escapeHtml(s.name)}</title></path>`;
  });
  const legend = series.map((s, i) => `<span class="key"><i style="background:${s.colour}"></i>${escapeHtml(s.name)}</span>${i < series.length - 1 ? ' ' : ''}`).join('');
  return `<section id="${id}"><h2>${escapeHtml(title)}</h2><div class="legend">${legend}</div>
<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}">
<line x1="${plotLeft}" y1="${plotBottom}" x2="${width - plotRight}" y2="${plotBottom}" stroke="#999"/>
<line x1="${plotLeft}" y1="${plotTop}" x2="${plotLeft}" y2="${plotBottom}" stroke="#999"/>
<text x="4" y="${plotTop + 4}" font-size="10">${max.toFixed(max >= 100 ? 0 : 2)}</text>
<text x="4" y="${plotBottom}" font-size="10">${min.toFixed(0)}</text>
<text x="4" y="14" font-size="10">${escapeHtml(unit)}</text>
${paths.join('\n')}
${axisLabels(input.fromMs, input.stepMs, input.steps, plotWidth, height)}
</svg></section>`;
}

function placementChart(input: HtmlReportInput): string {
  const primary = input.result.policies.westward?.primary ?? [];
  const rowHeight = 16;
  const labelWidth = 250;
  const plotWidth = width - labelWidth - plotRight;
  const height = input.workloads.length * rowHeight + 40;
  const rects: string[] = [];
  input.workloads.forEach((workload, w) => {
    let runStart = 0;
    for (let s = 1; s <= primary.length; s++) {
      const current = primary[runStart]?.[w] ?? -1;
      if (s < primary.length && (primary[s]?.[w] ?? -1) === current) continue;
      if (current >= 0) {
        const x = labelWidth + (runStart / Math.max(1, primary.length)) * plotWidth;
        const w2 = Math.max(0.5, ((s - runStart) / Math.max(1, primary.length)) * plotWidth);
        const hub = input.hubs[current] ?? '';
        rects.push(`<rect class="placement" data-workload="${escapeHtml(workload)}" data-hub="${escapeHtml(hub)}" x="${x.toFixed(2)}" y="${w * rowHeight + 4}" width="${w2.toFixed(2)}" height="${rowHeight - 4}" fill="${colour(current)}"><title>${escapeHtml(`${workload} at ${hub}`)}</title></rect>`);
      }
      runStart = s;
    }
  });
  const labels = input.workloads.map((workload, w) => `<text x="4" y="${w * rowHeight + 15}" font-size="10">${escapeHtml(workload)}</text>`);
  const legend = input.hubs.map((hub, h) => `<span class="key"><i style="background:${colour(h)}"></i>${escapeHtml(hub)}</span>`).join(' ');
  return `<section id="placement"><h2>Where each workload ran (westward policy, hub with most replicas)</h2><div class="legend">${legend}</div>
<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="placement">
${labels.join('\n')}
${rects.join('\n')}
</svg></section>`;
}

export function htmlReport(input: HtmlReportInput): string {
  const hubSeries = input.hubs.map((hub, h) => ({ name: hub, colour: colour(h), values: (input.signals[h] ?? []).map((s) => s.carbonIntensity) }));
  const policySeries = policyNames
    .map((name, p) => ({ name, colour: colour(p + 8), values: input.result.policies[name]?.cumulativeKg ?? [] }))
    .filter((s) => s.values.length > 0);
  const hasMW = input.signals.some((s) => s[0]?.renewableMW !== null && s[0] !== undefined);
  const mwSeries = hasMW
    ? input.hubs.map((hub, h) => ({ name: hub, colour: colour(h), values: (input.signals[h] ?? []).map((s) => s.renewableMW ?? 0) }))
    : [];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
pre{background:#f6f6f6;padding:12px;overflow-x:auto;font-size:12px}
.legend{font-size:12px;margin:4px 0}.key{margin-right:12px;white-space:nowrap}
.key i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
<p>${escapeHtml(new Date(input.fromMs).toISOString())} to ${escapeHtml(new Date(input.fromMs + input.steps * input.stepMs).toISOString())}, ${input.steps} steps of ${input.stepMs / 60_000} min, ${input.hubs.length} hubs, ${input.workloads.length} workloads.</p>
<pre id="summary">${escapeHtml(resultTable(input.result))}</pre>
${input.notes.length > 0 ? `<ul id="notes">${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${lineChart('signals', 'Carbon intensity at each hub (actual)', 'gCO2/kWh', hubSeries, input)}
${hasMW ? lineChart('renewables', 'Renewable output behind each hub (actual)', 'MW', mwSeries, input) : ''}
${placementChart(input)}
${lineChart('emissions', 'Cumulative emissions per policy', 'kg CO2', policySeries, input)}
</body></html>
`;
}
