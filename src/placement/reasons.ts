// The one sentence a person reads for each decision. Shares are shown in percentage points.

export type ForcedBy = 'ineligible' | 'noRoom';

export const reasons = {
  moved: (from: string, to: string, gain: number, windowMs: number): string =>
    `moved from ${from} to ${to}: ${gain >= 0 ? '+' : ''}${percent(gain)} % renewable share over the next ${duration(windowMs)}`,
  forcedMove: (from: string, to: string, by: ForcedBy): string =>
    by === 'ineligible'
      ? `moved from ${from} to ${to}: ${from} is no longer eligible`
      : `moved from ${from} to ${to}: ${from} has no room for its replicas`,
  /** sent off its hub because another workload has no other place (or none with room) */
  neededElsewhere: (from: string, to: string, neededBy: string, onlyHub: boolean): string =>
    `moved from ${from} to ${to}: ${from} is needed by ${neededBy}, which has no other eligible hub${onlyHub ? '' : ' with room'}`,
  belowMinImprovement: (gain: number, minImprovement: number): string => {
    const [g, m] = distinctPercents(gain, minImprovement);
    return `stays: gain ${g} % is below minImprovement ${m} %`;
  },
  withinDwell: (sinceMoveMs: number, minDwellMs: number): string =>
    `stays: moved ${ago(sinceMoveMs)} ago, minDwell ${duration(minDwellMs)}`,
  budgetUsed: (max: number): string => `stays: move budget of ${max} concurrent ${rollouts(max)} is used`,
  hubBudgetUsed: (max: number, hub: string): string =>
    `stays: move budget of ${max} concurrent ${rollouts(max)} per hub is used at ${hub}`,
  inProgress: (): string => 'stays: previous rollout still in progress',
  noGreenerHub: (hub: string, windowMs: number): string =>
    `stays: no eligible hub is greener than ${hub} over the next ${duration(windowMs)}`,
  bestAlready: (hub: string): string => `stays: ${hub} is still the best eligible hub with room`,
  firstPlacement: (hub: string, greenest: boolean): string =>
    greenest
      ? `first placement in ${hub}: greenest eligible hub with room`
      : `first placement in ${hub}: lowest expected emissions among eligible hubs with room`,
  noRoom: (): string => 'not placed: no eligible hub has room for any replica',
  noEligibleHub: (): string => 'not placed: no hub is eligible (latency budget and hubSelector)',
  noReplicas: (hub: string): string => `stays: no replicas to place, ${hub} kept`,
  /** appended when only part of the replicas fit */
  partial: (sentence: string, unplaced: number, replicas: number): string =>
    `${sentence}; ${unplaced} of ${replicas} replicas find no room`,
};

function rollouts(n: number): string {
  return n === 1 ? 'rollout' : 'rollouts';
}

/** 0.234 -> "23.4", 0.23 -> "23" */
export function percent(share: number, decimals = 1): string {
  const scale = 10 ** decimals;
  return String(Math.round(share * 100 * scale) / scale);
}

/** Two shares shown so that different values never read the same. */
function distinctPercents(a: number, b: number): [string, string] {
  for (let decimals = 1; decimals < 4; decimals++) {
    const pa = percent(a, decimals);
    const pb = percent(b, decimals);
    if (pa !== pb || a === b) return [pa, pb];
  }
  return [percent(a, 4), percent(b, 4)];
}

/** 7_200_000 -> "2 h", 1_800_000 -> "30 m", 5_400_000 -> "1 h 30 m" */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} m`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} m`;
}

/** 720_000 -> "12 min" */
function ago(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}
