// The planner's contract: plain data in, plain data out. Times are epoch milliseconds.

export interface Resources {
  gpu: number;
  cpuMilli: number;
  memoryBytes: number;
}

/** One forecast slot of a hub, already resolved to numbers (fallbacks applied upstream). */
export interface HubSlot {
  startMs: number;
  endMs: number;
  /** gCO2/kWh of grid power at the hub in this slot */
  carbonIntensity: number;
  /** 0..1 */
  renewableShare: number;
  /**
   * MW of renewable output available to the hub's extra load, for hubs with their own wind and
   * solar. When set, load up to this is green (zero carbon) and load above it is priced at
   * `gridCarbonIntensity`; when null, all load is priced at `carbonIntensity`.
   */
  renewableMW: number | null;
}

export interface PlannerHub {
  name: string;
  pue: number;
  /** gCO2/kWh of the grid when no renewable power is there */
  gridCarbonIntensity: number;
  /** free capacity for placed workloads (Ready, schedulable nodes minus other pods' requests) */
  free: Resources;
  /** forecast over the planning horizon, ordered by start */
  slots: HubSlot[];
}

export type PlacementMode = 'Enforce' | 'Shadow';

export interface PlannerWorkload {
  /** namespace/name */
  key: string;
  replicas: number;
  perReplica: Resources;
  powerPerReplicaW: number;
  /** hubs allowed by latency budget and hubSelector, nearest (lowest round trip) first */
  eligibleHubs: string[];
  /** hub the workload runs in now, null before its first placement */
  currentHub: string | null;
  /** when it last moved, null if never */
  lastMoveMs: number | null;
  /**
   * hub it moved from in its last move, when known: while that move is in `movesInProgress`
   * it counts against the per-hub move budget of both ends (optional; without it only
   * `currentHub` is counted)
   */
  previousHub?: string | null;
  /**
   * replicas running in each hub now, when known (optional; default: all `replicas` in
   * `currentHub`). Staying keeps these where they are, as far as they fit; the rest spill over
   * to other eligible hubs, which is not a move.
   */
  currentReplicasByHub?: Record<string, number>;
  minDwellMs: number;
  /** 0..1: minimum gain in renewable share over the dwell window that justifies a move */
  minImprovement: number;
  mode: PlacementMode;
}

export interface PlannerLimits {
  /** moves (rollouts) that may run at once in total, counting those already in progress */
  maxConcurrentMoves: number;
  /** moves that may run at once into or out of one hub */
  maxConcurrentMovesPerHub: number;
}

export interface PlanInput {
  nowMs: number;
  hubs: PlannerHub[];
  workloads: PlannerWorkload[];
  limits: PlannerLimits;
  /** rollouts still running from earlier moves: their workloads do not move again */
  movesInProgress: string[];
}

export interface WorkloadPlan {
  key: string;
  /** planned hub (where most replicas go), null when no eligible hub can hold any replica */
  hub: string | null;
  /** the other eligible hubs in the order pods should spill over to */
  fallbacks: string[];
  /** every eligible hub, greenest first over the judgement window (optional for other planners) */
  greenOrder?: string[];
  /** replicas planned per hub */
  replicasByHub: Record<string, number>;
  /** over the dwell window at the planned hub */
  expected: { renewableShare: number; carbonIntensity: number };
  moved: boolean;
  /** one sentence a person reads, e.g. "moved from X to Y: +23 % renewable share over the next 2 h" */
  reason: string;
}

export interface Plan {
  workloads: WorkloadPlan[];
  /** planned load per hub */
  hubs: Record<string, { replicas: number; load: Resources; powerW: number }>;
  /** expected grams CO2 over the horizon for the whole plan */
  expectedEmissionsG: number;
}
