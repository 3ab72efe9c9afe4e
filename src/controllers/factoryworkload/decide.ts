// The FactoryWorkload controller's decision, pure: from what was gathered (the workload, its
// target as the cluster has it, the plan snapshot, where pods run) to what to write (the target's
// affinity: apply, release or keep; one pod to evict when settling), the status and the events.
// The shell in reconciler.ts gathers and writes; everything that can be judged is judged here.
import type { FactoryWorkloadStatus } from '../../api/index.ts';
import type { WorkloadPlan } from '../../placement/types.ts';
import type { ConditionInput } from '../conditions.ts';
import { canonicalJson, desiredNodeAffinity, fillOrder, sameAffinity, type HubSelectorTerm, type NodeAffinity } from './affinity.ts';
import { describeCounts, sameCounts, type ObservedPlacement } from './observed.ts';
import type { AffinityOwner } from './ownership.ts';
import type { PlacementRecord, TargetRecord } from './target-record.ts';

export type Mode = 'Enforce' | 'Shadow';

export interface TargetFacts {
  kind: string;
  name: string;
  replicas: number;
  /** the target's controller has rolled out its latest template */
  rolloutDone: boolean;
  /** the pod template's node affinity as the cluster has it */
  applied: NodeAffinity | undefined;
  record: TargetRecord;
  /** managers other than Westward that own node affinity */
  owners: AffinityOwner[];
  westwardOwns: boolean;
}

export interface PlanFacts {
  entry: WorkloadPlan;
  /** eligible hubs the target's own rules allow, with their node selectors */
  eligible: HubSelectorTerm[];
  /** eligible hubs (by latency and hubSelector) where no node satisfies the target's own rules */
  excludedByOwnRules: string[];
  /** hubs whose forecast had fallen back, which held this workload where it is */
  heldForData: string[];
}

export interface DecideInput {
  now: Date;
  name: string;
  namespace: string;
  generation: number | undefined;
  mode: Mode;
  previous: FactoryWorkloadStatus | undefined;
  target: TargetFacts;
  /** the FactoryWorkload that holds the target, when another one does */
  claimedByOther: string | undefined;
  plan: PlanFacts;
  observed: ObservedPlacement;
  /** hubs with a node that has room for one more replica now */
  hubsWithRoom: ReadonlySet<string>;
  /** settling may evict a pod now (one at a time, bounded per workload) */
  settleAllowed: boolean;
  /** the last write of this exact affinity was refused by the API server, with its message */
  refused: { affinity: string; message: string } | undefined;
}

export type TargetWrite =
  | { kind: 'apply'; affinity: NodeAffinity; own: NodeAffinity | null; record: PlacementRecord; force: boolean; key: string }
  | { kind: 'release'; own: NodeAffinity | null | undefined };

export interface EventOut {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
  /** set for an event that must happen once whatever crashes: its stable name */
  once?: string;
}

export interface Decision {
  write: TargetWrite | undefined;
  /** a pod to evict so the scheduler can fill a greener planned hub that has room */
  evict: { pod: string; from: string; to: string } | undefined;
  /** the hub and record the status reports, after the write */
  record: PlacementRecord | undefined;
  placed: ConditionInput;
  reason: string;
  /** a move recorded now: from → to */
  moved: { from: string; to: string; reason: string } | undefined;
  events: EventOut[];
}

const shadowWording = (reason: string): string => reason.replace(/^moved from /, 'would move from ');

function owned(owners: readonly AffinityOwner[]): string {
  return owners.map((o) => `"${o.manager}" (${o.operation === 'Apply' ? 'server-side apply' : 'update'})`).join(', ');
}

/** The target's own affinity to combine with the hubs, or a reason not to write. */
function ownAffinity(t: TargetFacts, self: string): { own: NodeAffinity | null; force: boolean } | { blocked: string } {
  const declarative = t.owners.filter((o) => o.operation === 'Apply');
  const what = `node affinity of ${t.kind} ${t.name}`;
  if (declarative.length > 0) {
    return { blocked: `${what} is owned by field manager ${owned(declarative)}; Westward does not take it over. Remove nodeAffinity from that manager's manifest (or let it ignore the field) and Westward places the target by itself` };
  }
  const placedBefore = t.record.placedBy === self && t.record.placement !== undefined;
  const recordedOwn = placedBefore ? t.record.own : undefined;
  // Still ours: what the target had before us is in the record (others may share the field).
  if (t.westwardOwns && placedBefore) return { own: recordedOwn ?? null, force: t.owners.length > 0 };
  if (t.owners.length === 0) {
    // Nobody else holds the field: it is ours, or free.
    if (t.westwardOwns) return { own: recordedOwn ?? null, force: false };
    return { own: t.applied ?? null, force: false };
  }
  // Only imperative writers hold it. If they wrote back exactly what the target had before
  // Westward, something is reverting us: stop instead of fighting.
  if (placedBefore && recordedOwn !== undefined && sameAffinity(t.applied, recordedOwn ?? undefined)) {
    return { blocked: `${what} was set back to its own value by field manager ${owned(t.owners)}; Westward does not fight it. It places the target again when no other manager writes node affinity` };
  }
  // A first placement or a real change by someone else: what they wrote is the target's own.
  return { own: t.applied ?? null, force: true };
}

function placedCondition(input: DecideInput, plannedOrder: readonly string[]): ConditionInput {
  const { entry } = input.plan;
  const planned = describeCounts(entry.replicasByHub, plannedOrder);
  const running = describeCounts(input.observed.readyByHub, plannedOrder);
  const notReady = input.observed.notReady > 0 ? ` (${String(input.observed.notReady)} not ready or unscheduled)` : '';
  if (input.mode === 'Shadow') {
    return { type: 'Placed', status: 'True', reason: 'Shadow', message: `would run as ${planned}; running ${running}${notReady}; Shadow mode writes nothing on the target` };
  }
  if (sameCounts(entry.replicasByHub, input.observed.readyByHub) && input.observed.notReady === 0) {
    return { type: 'Placed', status: 'True', reason: 'Placed', message: `running as planned: ${running}` };
  }
  return { type: 'Placed', status: 'False', reason: 'Settling', message: `planned ${planned}; running ${running}${notReady}` };
}

/** The first pod to evict so that a greener planned hub with room gets it, if any. */
function settleStep(input: DecideInput, order: readonly string[], planned: number): Decision['evict'] {
  const { entry } = input.plan;
  const { readyByHub, notReady, podsByHub } = input.observed;
  if (!input.settleAllowed || !input.target.rolloutDone || notReady > 0) return undefined;
  const total = Object.values(readyByHub).reduce((a, b) => a + b, 0);
  if (total !== input.target.replicas) return undefined;
  const short = order.slice(0, planned).find((h) => (readyByHub[h] ?? 0) < (entry.replicasByHub[h] ?? 0) && input.hubsWithRoom.has(h));
  if (short === undefined) return undefined;
  const rank = (h: string): number => {
    const i = order.indexOf(h);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  // Take from the least green hub that runs more than planned, and only if it is less green.
  const over = Object.keys(readyByHub)
    .filter((h) => (readyByHub[h] ?? 0) > (entry.replicasByHub[h] ?? 0) && rank(h) > rank(short))
    .sort((a, b) => rank(b) - rank(a) || a.localeCompare(b))[0];
  const pod = over === undefined ? undefined : podsByHub[over]?.[0];
  return over === undefined || pod === undefined ? undefined : { pod, from: over, to: short };
}

export function decide(input: DecideInput): Decision {
  const { entry } = input.plan;
  const t = input.target;
  const self = input.name;
  const greenOrder = entry.greenOrder ?? [entry.hub, ...entry.fallbacks].filter((h): h is string => h !== null);
  const { order, planned } = fillOrder(entry.replicasByHub, greenOrder);
  const none = { write: undefined, evict: undefined, moved: undefined, events: [] as EventOut[] };
  const reason = input.plan.heldForData.length > 0 && entry.hub !== null
    ? `stays in ${entry.hub}: no live forecast for ${input.plan.heldForData.join(', ')}; moves wait for live data`
    : entry.reason;

  if (input.claimedByOther !== undefined) {
    const message = `${t.kind} ${t.name} is already placed by FactoryWorkload ${input.claimedByOther}; a target takes one FactoryWorkload, so this one writes nothing`;
    return { ...none, record: undefined, reason, placed: { type: 'Placed', status: 'False', reason: 'TargetClaimed', message } };
  }
  const mine = t.record.placedBy === self;
  const current = mine ? t.record.placement : undefined;

  if (input.mode === 'Shadow') {
    // Switched from Enforce: the target gets back its own affinity. Shadow records no moves.
    const write: TargetWrite | undefined = mine || t.westwardOwns ? { kind: 'release', own: mine ? t.record.own : undefined } : undefined;
    const events: EventOut[] = [];
    const before = input.previous?.hub;
    if (entry.hub !== null && before !== undefined && before !== entry.hub) events.push({ type: 'Normal', reason: 'WouldMove', note: shadowWording(entry.reason) });
    return { ...none, write, events, record: undefined, reason: shadowWording(reason), placed: placedCondition(input, order) };
  }

  if (input.plan.eligible.length === 0) {
    const excluded = input.plan.excludedByOwnRules;
    const placed: ConditionInput = excluded.length > 0
      ? { type: 'Placed', status: 'False', reason: 'Unschedulable', message: `the target's own nodeSelector and node affinity allow no node in the eligible hubs (${excluded.join(', ')}); Westward writes nothing` }
      : { type: 'Placed', status: 'False', reason: 'NoEligibleHub', message: 'no hub is within the latency budget and allowed by hubSelector' };
    return { ...none, record: current, reason, placed };
  }
  if (entry.hub === null) {
    return { ...none, record: current, reason, placed: { type: 'Placed', status: 'False', reason: 'NoCapacity', message: 'no eligible hub has room for a replica' } };
  }

  const own = ownAffinity(t, self);
  if ('blocked' in own) {
    return { ...none, record: current, reason, placed: { type: 'Placed', status: 'False', reason: 'AffinityOwnedByOtherManager', message: own.blocked } };
  }
  const affinity = desiredNodeAffinity(own.own ?? undefined, input.plan.eligible, order, planned);
  if (affinity === undefined) return { ...none, record: current, reason, placed: placedCondition(input, order) };
  const fill = order.slice(0, planned);
  const key = canonicalJson(affinity);
  const ownChanged = canonicalJson(own.own) !== canonicalJson(mine ? (t.record.own ?? null) : null) || !mine;
  const sameRequired = sameAffinity(
    { requiredDuringSchedulingIgnoredDuringExecution: t.applied?.requiredDuringSchedulingIgnoredDuringExecution },
    { requiredDuringSchedulingIgnoredDuringExecution: affinity.requiredDuringSchedulingIgnoredDuringExecution },
  );
  // The order of the spill-only hubs alone never justifies a rollout.
  const needsWrite = !t.westwardOwns || current === undefined || current.hub !== entry.hub || current.fill.join(',') !== fill.join(',') || !sameRequired || ownChanged;

  if (needsWrite && input.refused?.affinity === key) {
    return { ...none, record: current, reason, placed: { type: 'Placed', status: 'False', reason: 'TargetWriteRefused', message: `the API server refused the node affinity for ${t.kind} ${t.name}: ${input.refused.message}` } };
  }

  let record = current;
  let moved: Decision['moved'];
  const events: EventOut[] = [];
  let write: TargetWrite | undefined;
  if (needsWrite) {
    const at = input.now.toISOString();
    if (current === undefined) record = { hub: entry.hub, fill, at, reason: entry.reason };
    else if (current.hub !== entry.hub) record = { hub: entry.hub, fill, at, from: current.hub, reason: entry.reason };
    else record = { ...current, fill };
    write = { kind: 'apply', affinity, own: own.own, record, force: own.force, key };
  }
  // A move is recorded from the target's record, so one written before a crash is recorded once.
  if (record?.from !== undefined && input.previous?.lastMove?.time !== record.at) {
    moved = { from: record.from, to: record.hub, reason: record.reason ?? entry.reason };
    // Named after the move itself: recorded again after a crash, it is found and not repeated.
    events.push({ type: 'Normal', reason: 'Moved', note: moved.reason, once: `${self.slice(0, 200)}.moved.${Date.parse(record.at).toString(16)}` });
  } else if (record !== undefined && record.from === undefined && input.previous?.hub === undefined) {
    events.push({ type: 'Normal', reason: 'Placed', note: record.reason ?? entry.reason });
  }
  const evict = write === undefined ? settleStep(input, order, planned) : undefined;
  return { write, evict, record, moved, events, reason, placed: placedCondition(input, order) };
}

/**
 * The hub and last move the status reports after a decision: in Enforce mode what the target's
 * record holds, in Shadow mode the planned hub and never a move.
 */
export function reportedPlacement(
  decision: Pick<Decision, 'record' | 'moved'>,
  mode: Mode,
  plannedHub: string | null,
  previous: FactoryWorkloadStatus | undefined,
): { hub: string | null; lastMove: FactoryWorkloadStatus['lastMove'] } {
  if (mode === 'Shadow') return { hub: plannedHub, lastMove: undefined };
  const { record, moved } = decision;
  const lastMove = moved && record ? { time: record.at, from: moved.from, to: moved.to, reason: moved.reason } : previous?.lastMove;
  return { hub: record?.hub ?? null, lastMove };
}
