// The planner: where each workload should run, with a reason. Pure: the same input gives the
// same plan. The allocator proposes the placement with the least expected emissions; the
// stability rules (dwell, minimum improvement, move budget) then decide which moves happen.
// Workloads held back are pinned where they run and the rest is planned again, until every
// remaining move passes the rules.
import type { Allocator } from './allocation.ts';
import { assemble } from './assemble.ts';
import { budgetState, countBudget, judgeMoves, restrictToAllowedMoves } from './budget.ts';
import type { Displacement } from './displace.ts';
import type { Settled } from './give-way.ts';
import { applyDisplacements, creditGainers, giveWay, maxGiveWayTrials, placedOf, restore, whoGained } from './give-way.ts';
import { optimalAllocator } from './optimise.ts';
import { moveStaleHoldsAlone, pinWhereTheyRun, spillLeftovers } from './settle.ts';
import { byKey, context, entry, toFree } from './state.ts';
import type { Plan, PlanInput } from './types.ts';

export function plan(input: PlanInput): Plan {
  return planWith(input, optimalAllocator);
}

export function planWith(input: PlanInput, allocate: Allocator): Plan {
  const ctx = context(input);
  const entries = [...input.workloads].sort(byKey).map((w) => entry(ctx, w));
  const active = entries.filter((e) => e.w.replicas > 0);
  let budget = budgetState(ctx, countBudget(ctx, [], new Map()), new Set());
  let rounds = 0;
  // Giving way: the last settled plan, and the displacements being tried on top of it.
  let settled: Settled | null = null;
  let trial: Displacement[] | null = null;
  const givenUp = new Set<string>();
  let trials = 0;
  for (;;) {
    restrictToAllowedMoves(ctx, active, budget);
    const { hubStates, pinned, spill } = pinWhereTheyRun(ctx, active);
    const movable = active.filter((e) => e.status.kind === 'free');
    const allocation = allocate(hubStates, [...movable.map(toFree), ...spill]);
    const { held, usage, accepted } = judgeMoves(ctx, movable, allocation);
    const fresh = budgetState(ctx, usage, accepted);
    // While moves are still being held, what the budget closes stays closed, so rounds narrow
    // down instead of swinging back and forth.
    budget =
      held.length === 0
        ? fresh
        : { full: budget.full || fresh.full, closed: new Set([...budget.closed, ...fresh.closed]), accepted: fresh.accepted };
    if (held.length === 0) {
      let state: Settled = { allocation, pinned, usage, budget, statuses: active.map((e) => e.status), ...placedOf(active, pinned, allocation) };
      const helped = trial !== null && settled !== null ? whoGained(active, settled, state, trial) : null;
      if (trial !== null && settled !== null && helped === null) {
        // Not better for everyone: back to the settled plan, and try fewer displacements.
        restore(active, settled);
        state = settled;
        if (trial.length > 1) trial = trial.slice(0, Math.ceil(trial.length / 2));
        else {
          for (const d of trial) givenUp.add(d.needy);
          trial = null;
        }
      } else {
        if (trial !== null && helped !== null) {
          creditGainers(active, trial, helped);
          state.statuses = active.map((e) => e.status);
        }
        trial = null;
      }
      settled = state;
      budget = state.budget;
      if (trials < maxGiveWayTrials) {
        trial ??= giveWay(ctx, active, state, givenUp);
        if (trial !== null && trial.length > 0) {
          trials++;
          rounds = 0;
          applyDisplacements(active, trial);
          continue;
        }
      }
      // Held for a budget the final moves may not use after all (two moves that only worked
      // together, one budget slot; a hub closed in an earlier round): each is settled on its
      // own against the final plan.
      const stale = active.filter((e) => e.status.kind === 'pinned' && e.status.heldBy.kind === 'budget');
      moveStaleHoldsAlone(ctx, active, stale, state.allocation, state.pinned, state.usage);
      spillLeftovers(ctx, active, state.allocation, state.pinned);
      return assemble(ctx, entries, state.allocation, state.pinned);
    }
    rounds++;
    for (const { entry: e, heldBy } of held) {
      // Blocked only by the budget of the hub it would go to: it may still go elsewhere, and
      // the next round keeps it off the hubs whose budget is used.
      const elsewhere = heldBy.kind === 'budget' && heldBy.hub !== null && heldBy.hub !== e.w.currentHub && rounds < maxRounds;
      if (!elsewhere) e.status = { kind: 'pinned', heldBy };
    }
  }
}

/** After this many rounds every held move is pinned where it runs, so planning always ends. */
const maxRounds = 16;
