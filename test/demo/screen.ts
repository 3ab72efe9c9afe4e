// One frame of the demo screen as text. Pure: the caller clears the terminal and prints it.
import { formatSimulated } from './sim-clock.ts';
import { podChanges, type HubView, type WorkloadView } from './view.ts';

export interface Frame {
  realNowMs: number;
  realStartMs: number;
  simNowMs: number;
  hourSeconds: number;
  forecastUrl: string;
  forecastRequests: number;
  hubs: HubView[];
  workloads: WorkloadView[];
  /** Ready pods per hub of each workload on the previous screen */
  previous: ReadonlyMap<string, Record<string, number>>;
  movedEvents: number;
  operatorLog: string;
  /** real time → simulated time, to say when a move happened on the simulated clock */
  simulatedAt: (realMs: number) => number;
  color: boolean;
}

const barWidth = 20;

function paint(color: boolean, code: string, text: string): string {
  return color ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** █ for the renewable part, ░ for the rest. */
export function bar(share: number, width = barWidth): string {
  const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

function shareColor(share: number): string {
  return share >= 0.7 ? '32' : share >= 0.4 ? '33' : '31';
}

function percent(share: number | null): string {
  return share === null ? '  —' : `${Math.round(share * 100)}%`.padStart(4);
}

function elapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function short(hub: string): string {
  return hub.split('-')[0] ?? hub;
}

function hubLine(h: HubView, color: boolean): string {
  const share = h.share === null ? '░'.repeat(barWidth) : paint(color, shareColor(h.share), bar(h.share));
  const carbon = h.carbon === null ? '     —' : `${String(Math.round(h.carbon)).padStart(4)} g`;
  const mw = h.renewableMW === null ? '' : `${String(Math.round(h.renewableMW)).padStart(5)} MW`;
  const forecast = h.fresh === 'True' ? 'live' : h.fresh === 'False' ? paint(color, '33', h.freshReason || 'not fresh') : 'waiting';
  return `  ${h.name.padEnd(24)} ${share} ${percent(h.share)} ${carbon}/kWh ${mw.padStart(8)}   ${h.provider.padEnd(9)} ${forecast}`;
}

function podsLine(w: WorkloadView, before: Record<string, number> | undefined, color: boolean): string {
  const changes = podChanges(before, w.readyByHub);
  const hubs = [...new Set([...Object.keys(w.readyByHub), ...Object.keys(changes)])].sort();
  const parts = hubs.map((hub) => {
    const n = w.readyByHub[hub] ?? 0;
    const d = changes[hub];
    const mark = d === undefined ? '' : d > 0 ? paint(color, '1;32', ` ▲${d} moved in`) : paint(color, '1;31', ` ▼${-d} left`);
    return `${hub} ${'●'.repeat(n)}${n === 0 ? '0' : ''}${mark}`;
  });
  if (w.elsewhere > 0) parts.push(`${'●'.repeat(w.elsewhere)} on nodes of no hub`);
  if (w.notReady > 0) parts.push(`${w.notReady} not Ready yet`);
  return `      pods  ${parts.length > 0 ? parts.join('   ') : 'none Ready yet'}`;
}

function workloadLines(w: WorkloadView, f: Frame): string[] {
  const planned = w.hub ?? '—';
  const placed = w.placed === 'True' ? paint(f.color, '32', 'Placed') : `${w.placed === 'False' ? 'not placed' : 'waiting'}${w.placedReason ? ` (${w.placedReason})` : ''}`;
  // Shadow mode decides and reports but writes nothing: the pods stay where the scheduler put them.
  const mode = w.mode === 'Shadow' ? `   ${paint(f.color, '36', 'Shadow: would run in the planned hub, pods left alone')}` : '';
  const lines = [
    `  ${paint(f.color, '1', w.key)}  ${w.target}${mode}`,
    `      plan  ${planned.padEnd(24)} expected renewable ${percent(w.expectedShare)}   ${placed}   eligible: ${w.eligible.map(short).join(', ') || '—'}`,
    podsLine(w, f.previous.get(w.key), f.color),
  ];
  if (w.reason !== '') lines.push(`      why   ${w.reason}`);
  if (w.lastMove) {
    const at = Date.parse(w.lastMove.time);
    const when = Number.isFinite(at) ? `${elapsed(f.realNowMs - at)} ago, at ${formatSimulated(f.simulatedAt(at)).slice(-9)}` : w.lastMove.time;
    const from = w.lastMove.from === '' ? 'first placement' : `${w.lastMove.from} → ${w.lastMove.to}`;
    lines.push(`      moved ${from} (${when}): ${w.lastMove.reason}`);
  }
  return lines;
}

export function renderFrame(f: Frame): string {
  const title = paint(f.color, '1', 'Westward demo');
  const lines = [
    `${title}   simulated ${paint(f.color, '1', formatSimulated(f.simNowMs))}   (1 simulated hour every ${f.hourSeconds} s; running ${elapsed(f.realNowMs - f.realStartMs)})`,
    `weather: ${paint(f.color, '33', 'SYNTHETIC')}, a seeded weather model served as Open-Meteo at ${f.forecastUrl} (${f.forecastRequests} requests); demo minDwell 30s`,
    '',
    `  ${'HUB'.padEnd(24)} ${'renewable now'.padEnd(barWidth + 5)} carbon now       power   forecast`,
    ...f.hubs.map((h) => hubLine(h, f.color)),
    '',
    `  FACTORY WORKLOADS   (Moved events since the demo started: ${f.movedEvents})`,
    ...f.workloads.flatMap((w) => workloadLines(w, f)),
    '',
    `operator log: ${f.operatorLog}   ·   Ctrl-C stops the demo and cleans up`,
  ];
  return lines.join('\n');
}
