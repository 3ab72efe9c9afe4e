// An honest running record of emissions avoided: what the workload emitted where Westward put
// it, against what it would have emitted at its nearest eligible hub. Negative when Westward's
// choice was worse. Accrued in fixed steps so that a reconcile between steps writes nothing.

export interface AvoidedEmissions {
  grams: number;
  /** ISO time the record starts */
  since: string;
  /** ISO time up to which energy has been accounted */
  accountedUntil: string;
}

export interface HubIntensity {
  /** gCO2/kWh now */
  carbonIntensity: number;
  pue: number;
}

export interface AccrualInput {
  /** as read back from status, where the CRD makes every field optional */
  previous: Partial<AvoidedEmissions> | undefined;
  now: Date;
  stepMs: number;
  replicas: number;
  powerPerReplicaW: number;
  /** where the workload runs; undefined when it is not placed (nothing accrues) */
  actual: HubIntensity | undefined;
  /** its nearest eligible hub */
  nearest: HubIntensity | undefined;
}

export interface Accrual {
  record: AvoidedEmissions;
  changed: boolean;
  /** when the next step is due */
  nextDueMs: number;
}

/** grams CO2 for a power over a duration at a hub */
export function emissionsGrams(powerW: number, durationMs: number, hub: HubIntensity): number {
  const kWh = (powerW / 1000) * (durationMs / 3_600_000) * hub.pue;
  return kWh * hub.carbonIntensity;
}

/** A record is carried on only when whole: a missing or unreadable field would make NaN grams. */
function wholeRecord(r: Partial<AvoidedEmissions> | undefined): r is AvoidedEmissions {
  return (
    r !== undefined &&
    typeof r.grams === 'number' &&
    Number.isFinite(r.grams) &&
    typeof r.since === 'string' &&
    Number.isFinite(Date.parse(r.since)) &&
    typeof r.accountedUntil === 'string' &&
    Number.isFinite(Date.parse(r.accountedUntil))
  );
}

export function accrueAvoidedEmissions(input: AccrualInput): Accrual {
  const nowMs = input.now.getTime();
  if (!wholeRecord(input.previous)) {
    const iso = input.now.toISOString();
    return { record: { grams: 0, since: iso, accountedUntil: iso }, changed: true, nextDueMs: nowMs + input.stepMs };
  }
  const from = Date.parse(input.previous.accountedUntil);
  const steps = Math.floor((nowMs - from) / input.stepMs);
  if (!Number.isFinite(from) || steps < 1) {
    return { record: input.previous, changed: false, nextDueMs: (Number.isFinite(from) ? from : nowMs) + input.stepMs };
  }
  const durationMs = steps * input.stepMs;
  const powerW = input.replicas * input.powerPerReplicaW;
  const avoided =
    input.actual && input.nearest
      ? emissionsGrams(powerW, durationMs, input.nearest) - emissionsGrams(powerW, durationMs, input.actual)
      : 0;
  const until = from + durationMs;
  return {
    record: {
      grams: Math.round(input.previous.grams + avoided),
      since: input.previous.since,
      accountedUntil: new Date(until).toISOString(),
    },
    changed: true,
    nextDueMs: until + input.stepMs,
  };
}
