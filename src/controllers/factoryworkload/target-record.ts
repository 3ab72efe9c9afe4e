// What Westward keeps on a target besides its node affinity, in annotations written in the same
// server-side apply as the affinity: which FactoryWorkload placed it, the target's own node
// affinity from before Westward, and the placement record (hub, fill order, last move). The
// target is the truth about a move: a crash after the patch loses nothing, since the record
// travels with the affinity it describes.
import { canonicalJson, type NodeAffinity } from './affinity.ts';

export const placedByAnnotation = 'westward.io/placed-by';
export const ownAffinityAnnotation = 'westward.io/own-node-affinity';
export const placementAnnotation = 'westward.io/placement';

export interface PlacementRecord {
  /** the planned hub (where most replicas go) */
  hub: string;
  /** hubs the plan gives replicas, in fill order */
  fill: string[];
  /** when `hub` became the hub: the last move, or the first placement */
  at: string;
  /** the hub before the last move; absent after a first placement */
  from?: string;
  reason?: string;
}

export interface TargetRecord {
  placedBy?: string;
  /** the target's own node affinity before Westward: null when it had none, undefined when unknown */
  own?: NodeAffinity | null;
  placement?: PlacementRecord;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is PlacementRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.hub === 'string' && Array.isArray(r.fill) && r.fill.every((h) => typeof h === 'string') && typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at));
}

/** Reads the record from a target's annotations; anything unreadable counts as absent. */
export function readTargetRecord(annotations: Readonly<Record<string, string>> | undefined): TargetRecord {
  const out: TargetRecord = {};
  const placedBy = annotations?.[placedByAnnotation];
  if (placedBy !== undefined && placedBy !== '') out.placedBy = placedBy;
  const own = parseJson(annotations?.[ownAffinityAnnotation]);
  if (own === null) out.own = null;
  else if (typeof own === 'object' && !Array.isArray(own)) out.own = own;
  const placement = parseJson(annotations?.[placementAnnotation]);
  if (isRecord(placement)) out.placement = placement;
  return out;
}

/** The annotations that carry a record. */
export function recordAnnotations(placedBy: string, own: NodeAffinity | null, placement: PlacementRecord): Record<string, string> {
  return {
    [placedByAnnotation]: placedBy,
    [ownAffinityAnnotation]: own === null ? 'null' : canonicalJson(own),
    [placementAnnotation]: JSON.stringify(placement),
  };
}
