// Independent arithmetic for the tests: the carbon cost of a plan and the renewable share over
// a window, written from the problem statement rather than from the planner's modules.
import type { Plan, PlanInput, PlannerHub } from '../../../src/placement/types.ts';

const hourMs = 3_600_000;

/** grams over the horizon for IT watts at a hub: energy x PUE x intensity, green first where MW are given */
export function hubGrams(hub: PlannerHub, nowMs: number, itW: number): number {
  let grams = 0;
  for (const slot of hub.slots) {
    const hours = (slot.endMs - Math.max(nowMs, slot.startMs)) / hourMs;
    if (hours <= 0) continue;
    const facilityW = itW * hub.pue;
    if (slot.renewableMW === null) grams += (facilityW / 1000) * hours * slot.carbonIntensity;
    else grams += (Math.max(0, facilityW - slot.renewableMW * 1e6) / 1000) * hours * hub.gridCarbonIntensity;
  }
  return grams;
}

export function planGrams(input: PlanInput, plan: Plan): number {
  const watts = new Map<string, number>();
  const power = new Map(input.workloads.map((w) => [w.key, w.powerPerReplicaW]));
  for (const wp of plan.workloads) {
    for (const [hub, n] of Object.entries(wp.replicasByHub)) watts.set(hub, (watts.get(hub) ?? 0) + n * (power.get(wp.key) ?? 0));
  }
  return input.hubs.reduce((sum, h) => sum + hubGrams(h, input.nowMs, watts.get(h.name) ?? 0), 0);
}

export function placedReplicas(plan: Plan): number {
  return plan.workloads.reduce((sum, wp) => sum + Object.values(wp.replicasByHub).reduce((a, b) => a + b, 0), 0);
}

/** time-weighted renewable share over [from, to) */
export function shareOver(hub: PlannerHub, fromMs: number, toMs: number): number {
  let weighted = 0;
  let total = 0;
  for (const slot of hub.slots) {
    const overlap = Math.min(toMs, slot.endMs) - Math.max(fromMs, slot.startMs);
    if (overlap > 0) {
      weighted += overlap * slot.renewableShare;
      total += overlap;
    }
  }
  return total > 0 ? weighted / total : NaN;
}

/** the planned state: where the plan put things, moves begun now and still rolling out */
export function afterPlan(input: PlanInput, plan: Plan): PlanInput {
  const byKey = new Map(plan.workloads.map((wp) => [wp.key, wp]));
  const moved = plan.workloads.filter((wp) => wp.moved).map((wp) => wp.key);
  return {
    ...input,
    workloads: input.workloads.map((w) => {
      const wp = byKey.get(w.key);
      if (wp === undefined) return w;
      if (wp.hub === null) return { ...w, currentHub: null, currentReplicasByHub: {} };
      const currentReplicasByHub = { ...wp.replicasByHub };
      return wp.moved
        ? { ...w, currentHub: wp.hub, currentReplicasByHub, previousHub: w.currentHub, lastMoveMs: input.nowMs }
        : { ...w, currentHub: wp.hub, currentReplicasByHub };
    }),
    movesInProgress: [...new Set([...input.movesInProgress, ...moved])],
  };
}
