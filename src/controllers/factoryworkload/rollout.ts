// Whether a target's last rollout has finished: a workload is never moved again before that.

export interface RolloutView {
  kind?: string;
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    readyReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export function rolloutComplete(target: RolloutView): boolean {
  const want = target.spec?.replicas ?? 1;
  const status = target.status ?? {};
  if ((status.observedGeneration ?? 0) < (target.metadata?.generation ?? 0)) return false;
  if (target.kind === 'StatefulSet') {
    const revisionDone = status.updateRevision === undefined || status.updateRevision === status.currentRevision;
    return revisionDone && (status.updatedReplicas ?? 0) >= want && (status.readyReplicas ?? 0) >= want;
  }
  return (
    (status.updatedReplicas ?? 0) >= want &&
    (status.availableReplicas ?? 0) >= want &&
    // old pods of the previous template are gone
    (status.replicas ?? 0) <= want
  );
}
