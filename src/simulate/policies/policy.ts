import type { HubSlot } from '../../placement/types.ts';
import type { Allocation } from '../allocation.ts';
import type { SignalStep } from '../trace.ts';

export const policyNames = ['westward', 'nearest', 'round-robin', 'greedy-current', 'oracle'] as const;
export type PolicyName = (typeof policyNames)[number];

export interface StepContext {
  step: number;
  startMs: number;
  stepMs: number;
  /** the actual signal of each hub in this step (scenario order) */
  actual: readonly SignalStep[];
  /** what the planner is told about a hub: a forecast over the horizon, with error */
  forecast: (hubIndex: number) => HubSlot[];
}

/** Decides each step where every workload's replicas run; may keep state across steps. */
export interface Policy {
  name: PolicyName;
  decide: (context: StepContext) => Allocation;
}
