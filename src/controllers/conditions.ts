// The one helper every status goes through for its conditions: keeps lastTransitionTime unless
// the status flips, stamps observedGeneration, and says whether anything changed.

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

export function setConditions(
  existing: readonly Condition[] | undefined,
  wanted: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): { conditions: Condition[]; changed: boolean } {
  const previous = new Map((existing ?? []).map((c) => [c.type, c]));
  let changed = false;
  const conditions = wanted.map((w) => {
    const old = previous.get(w.type);
    const flipped = old?.status !== w.status;
    const next: Condition = {
      ...w,
      lastTransitionTime: flipped ? now.toISOString() : old.lastTransitionTime,
    };
    if (generation !== undefined) next.observedGeneration = generation;
    if (
      !old ||
      flipped ||
      old.reason !== next.reason ||
      old.message !== next.message ||
      old.observedGeneration !== next.observedGeneration
    ) {
      changed = true;
    }
    return next;
  });
  // Conditions we no longer report are dropped, which is a change too.
  for (const type of previous.keys()) {
    if (!wanted.some((w) => w.type === type)) changed = true;
  }
  return { conditions, changed };
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
