// Who owns a target's node affinity, from its managedFields. Westward never takes the field
// from a declarative owner (a server-side apply manager such as a GitOps tool); it adopts what an
// imperative writer left (kubectl create, client-side apply) once, as the target's own affinity.
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: unknown;
}

export interface AffinityOwner {
  manager: string;
  operation: 'Apply' | 'Update';
}

export const westwardManager = 'westward';

const nodeAffinityPath = ['f:spec', 'f:template', 'f:spec', 'f:affinity', 'f:nodeAffinity'];

function child(at: unknown, step: string): unknown {
  return typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[step] : undefined;
}

/**
 * True when the fields entry owns a value of the pod template's node affinity: its required
 * node selector (an atomic struct) or its preferred list (atomic). Owning only the enclosing
 * struct (the "." marker a forced apply leaves behind for the previous writer) is not owning it.
 */
export function ownsNodeAffinity(fieldsV1: unknown): boolean {
  let at: unknown = fieldsV1;
  for (const step of nodeAffinityPath) at = child(at, step);
  return child(at, 'f:preferredDuringSchedulingIgnoredDuringExecution') !== undefined || child(at, 'f:requiredDuringSchedulingIgnoredDuringExecution') !== undefined;
}

/** Managers other than Westward that own node affinity on the target. */
export function otherAffinityOwners(entries: readonly ManagedFieldsEntry[] | undefined): AffinityOwner[] {
  const out: AffinityOwner[] = [];
  for (const e of entries ?? []) {
    if (e.manager === westwardManager || e.subresource !== undefined && e.subresource !== '') continue;
    if (!ownsNodeAffinity(e.fieldsV1)) continue;
    out.push({ manager: e.manager ?? '(unnamed)', operation: e.operation === 'Apply' ? 'Apply' : 'Update' });
  }
  return out;
}

export function westwardOwnsAffinity(entries: readonly ManagedFieldsEntry[] | undefined): boolean {
  return (entries ?? []).some((e) => e.manager === westwardManager && e.operation === 'Apply' && ownsNodeAffinity(e.fieldsV1));
}

/** What the informer keeps of managedFields: Westward's entry and node affinity owners. */
export function placementFields(entries: readonly ManagedFieldsEntry[] | undefined): ManagedFieldsEntry[] | undefined {
  return entries?.filter((e) => e.manager === westwardManager || ownsNodeAffinity(e.fieldsV1));
}
