// One FactoryWorkload per target: which one holds each Deployment or StatefulSet. The one the
// target's record names keeps it; otherwise the oldest (then the first by name). Pure.
import type { FactoryWorkload } from '../../api/index.ts';
import { readTargetRecord } from '../factoryworkload/target-record.ts';

export interface ClaimView {
  metadata?: { annotations?: Record<string, string> };
}

export function targetKeyOf(fw: FactoryWorkload): string {
  return `${fw.metadata?.namespace ?? ''}/${fw.spec.targetRef.kind}/${fw.spec.targetRef.name}`;
}

function createdMs(fw: FactoryWorkload): number {
  const t = Date.parse(fw.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** target key → name of the FactoryWorkload that holds it */
export function claimants(workloads: readonly FactoryWorkload[], targetOf: (fw: FactoryWorkload) => ClaimView | undefined): Map<string, string> {
  const byTarget = new Map<string, FactoryWorkload[]>();
  for (const fw of workloads) {
    if (fw.metadata?.deletionTimestamp) continue;
    const key = targetKeyOf(fw);
    const list = byTarget.get(key);
    if (list) list.push(fw);
    else byTarget.set(key, [fw]);
  }
  const out = new Map<string, string>();
  for (const [key, list] of byTarget) {
    const first = list[0];
    if (!first) continue;
    const named = readTargetRecord(targetOf(first)?.metadata?.annotations).placedBy;
    const holder = list.find((fw) => fw.metadata?.name === named)
      ?? [...list].sort((a, b) => createdMs(a) - createdMs(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))[0];
    if (holder) out.set(key, holder.metadata?.name ?? '');
  }
  return out;
}
