// What an allocator gets and gives: replicas of the workloads free to move, spread over hubs,
// on top of the load that pinned workloads already put there.
import type { CostCurve } from './hub-cost.ts';
import type { Resources } from './types.ts';

export interface FreeWorkload {
  key: string;
  replicas: number;
  perReplica: Resources;
  powerPerReplicaW: number;
  /** indices into the hub list, ascending */
  eligible: number[];
  /** hub index it runs in now (its planned hub when it does not move) */
  stayHub: number | null;
  /** replicas running now per hub index, among `eligible`: allocators keep them there on ties */
  staying: Map<number, number>;
  /**
   * replicas that run somewhere now and so are placed before new ones (default: those in
   * `staying`); more than `staying` when a workload must leave a hub it runs in
   */
  running?: number;
}

/** Replicas of the workload that run now, placed before any new replica. */
export function runningNow(w: FreeWorkload): number {
  return w.running ?? [...w.staying.values()].reduce((a, b) => a + b, 0);
}

export interface HubState {
  name: string;
  curve: CostCurve;
  /** capacity left after pinned workloads */
  residual: Resources;
  /** IT watts of pinned workloads */
  baseW: number;
  /** 0..1 renewable share over the horizon, for greedy ranking and reporting */
  horizonShare: number;
}

/** replicas per hub index for each workload key; replicas that fit nowhere are left out */
export type Allocation = Map<string, number[]>;

export type Allocator = (hubs: readonly HubState[], workloads: readonly FreeWorkload[]) => Allocation;

/** How many more replicas of this shape the residual capacity holds. */
export function replicasThatFit(residual: Resources, perReplica: Resources, unbounded: number): number {
  let fit = unbounded;
  const dims: [number, number][] = [
    [residual.gpu, perReplica.gpu],
    [residual.cpuMilli, perReplica.cpuMilli],
    [residual.memoryBytes, perReplica.memoryBytes],
  ];
  for (const [left, need] of dims) {
    if (need > 0) fit = Math.min(fit, Math.floor(Math.max(0, left) / need));
  }
  return Math.max(0, fit);
}

export function take(residual: Resources, perReplica: Resources, replicas: number): void {
  residual.gpu -= perReplica.gpu * replicas;
  residual.cpuMilli -= perReplica.cpuMilli * replicas;
  residual.memoryBytes -= perReplica.memoryBytes * replicas;
}

export function shapeKey(w: Pick<FreeWorkload, 'perReplica' | 'powerPerReplicaW'>): string {
  return `${w.perReplica.gpu}|${w.perReplica.cpuMilli}|${w.perReplica.memoryBytes}|${w.powerPerReplicaW}`;
}
