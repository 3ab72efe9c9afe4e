// Writes that keep Westward to its own fields:
// - server-side apply (application/apply-patch+yaml) with Westward's field manager, for the
//   fields it owns on Deployments and StatefulSets and for its custom resources' status;
// - finalizer changes as JSON patches guarded by a `test` op, so a concurrent change by anyone
//   else makes the patch fail (and we re-read) instead of being overwritten.
import {
  PatchStrategy,
  setHeaderOptions,
  type AppsV1Api,
  type CustomObjectsApi,
  type V1Deployment,
  type V1StatefulSet,
} from '@kubernetes/client-node';
import { callApi, KubeApiError, toApiError } from './errors.ts';
import type { KubeObject } from './informer.ts';

export const FIELD_MANAGER = 'westward';

export interface ApplyOptions {
  /** Default `westward`. */
  readonly fieldManager?: string;
  /** Take ownership of fields another manager set (default true: Westward's fields are its own). */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

/**
 * An apply configuration: apiVersion, kind, metadata.name (and namespace) plus only the fields
 * the manager wants to own. Fields left out are released by this manager, not deleted for others.
 */
export interface ApplyConfiguration {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [field: string]: unknown;
}

const applyHeader = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const jsonPatchHeader = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

function applyParams(options: ApplyOptions): { fieldManager: string; force: boolean; dryRun?: string } {
  return {
    fieldManager: options.fieldManager ?? FIELD_MANAGER,
    force: options.force ?? true,
    ...(options.dryRun === true ? { dryRun: 'All' } : {}),
  };
}

function requireNamespace(config: ApplyConfiguration): string {
  const ns = config.metadata.namespace;
  if (ns === undefined || ns === '') throw new Error(`${config.kind} ${config.metadata.name}: apply needs metadata.namespace`);
  return ns;
}

/** Server-side applies an apps/v1 Deployment configuration. */
export function applyDeployment(apps: AppsV1Api, config: ApplyConfiguration, options: ApplyOptions = {}): Promise<V1Deployment> {
  const namespace = requireNamespace(config);
  return callApi(() =>
    apps.patchNamespacedDeployment({ name: config.metadata.name, namespace, body: config, ...applyParams(options) }, applyHeader),
  );
}

/** Server-side applies an apps/v1 StatefulSet configuration. */
export function applyStatefulSet(apps: AppsV1Api, config: ApplyConfiguration, options: ApplyOptions = {}): Promise<V1StatefulSet> {
  const namespace = requireNamespace(config);
  return callApi(() =>
    apps.patchNamespacedStatefulSet({ name: config.metadata.name, namespace, body: config, ...applyParams(options) }, applyHeader),
  );
}

/** Applies a Deployment or StatefulSet configuration, by its kind. */
export function applyWorkload(apps: AppsV1Api, config: ApplyConfiguration, options: ApplyOptions = {}): Promise<V1Deployment | V1StatefulSet> {
  if (config.apiVersion !== 'apps/v1') throw new Error(`unsupported apiVersion ${config.apiVersion}`);
  if (config.kind === 'Deployment') return applyDeployment(apps, config, options);
  if (config.kind === 'StatefulSet') return applyStatefulSet(apps, config, options);
  throw new Error(`unsupported workload kind ${config.kind}`);
}

/** Where a custom object lives. `namespace` undefined means cluster-scoped. */
export interface CustomObjectRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string | undefined;
}

/**
 * Server-side applies `status` to a custom object's /status subresource. `status` should hold
 * every status field Westward owns (apply semantics: omitted fields it owned are removed).
 */
export function applyCustomStatus(
  custom: CustomObjectsApi,
  ref: CustomObjectRef,
  status: Record<string, unknown>,
  options: ApplyOptions = {},
): Promise<unknown> {
  const metadata = { name: ref.name, ...(ref.namespace !== undefined ? { namespace: ref.namespace } : {}) };
  const body = { apiVersion: `${ref.group}/${ref.version}`, kind: ref.kind, metadata, status };
  const common = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name, body, ...applyParams(options) };
  const namespace = ref.namespace;
  return callApi(() =>
    namespace === undefined
      ? custom.patchClusterCustomObjectStatus(common, applyHeader)
      : custom.patchNamespacedCustomObjectStatus({ ...common, namespace }, applyHeader),
  );
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

/**
 * The JSON patch that adds (`present`) or removes `finalizer` on `obj`, or undefined when
 * nothing needs to change. The `test` op pins what we based the change on: the current list,
 * or the resourceVersion when there is no list yet.
 */
export function finalizerPatch(obj: KubeObject, finalizer: string, present: boolean): JsonPatchOp[] | undefined {
  const current = obj.metadata?.finalizers;
  const has = current?.includes(finalizer) ?? false;
  if (has === present) return undefined;
  if (present) {
    if (current === undefined) {
      const rv = obj.metadata?.resourceVersion;
      if (rv === undefined) throw new Error('finalizerPatch needs metadata.resourceVersion');
      return [
        { op: 'test', path: '/metadata/resourceVersion', value: rv },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ];
    }
    return [
      { op: 'test', path: '/metadata/finalizers', value: current },
      { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
    ];
  }
  return [
    { op: 'test', path: '/metadata/finalizers', value: current },
    { op: 'replace', path: '/metadata/finalizers', value: (current ?? []).filter((f) => f !== finalizer) },
  ];
}

/** Reads an object fresh from the API server and JSON-patches it. */
export interface PatchTarget {
  read(): Promise<KubeObject>;
  jsonPatch(ops: JsonPatchOp[]): Promise<KubeObject>;
}

/**
 * Makes `finalizer` present or absent on the target. Starts from `current` (e.g. the cached
 * object) when given; when the guarded patch finds the object changed, re-reads and retries.
 * Writes nothing if the finalizer is already as wanted. Returns the object after the change, or
 * undefined when removing from an object that is already gone.
 */
export async function setFinalizer(
  target: PatchTarget,
  finalizer: string,
  present: boolean,
  options: { current?: KubeObject; attempts?: number } = {},
): Promise<KubeObject | undefined> {
  const attempts = options.attempts ?? 5;
  let obj = options.current;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    let basedOn: string | undefined;
    try {
      obj ??= await callApi(() => target.read());
      basedOn = obj.metadata?.resourceVersion;
      const ops = finalizerPatch(obj, finalizer, present);
      if (ops === undefined) return obj;
      return await callApi(() => target.jsonPatch(ops));
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.kind === 'NotFound' && !present) return undefined;
      // The API server reports a failed `test` op as a plain 422 Invalid (reason Invalid, no
      // details), like any invalid patch. Tell them apart by re-reading: if the object changed
      // since the version we patched from, our guard fired and we retry; if not, it is invalid.
      if (apiError.kind === 'Invalid') {
        const fresh = await callApi(() => target.read());
        if (fresh.metadata?.resourceVersion === basedOn) throw apiError;
        lastError = apiError;
        obj = fresh;
        continue;
      }
      if (apiError.retry !== 'quiet') throw apiError;
      lastError = apiError;
      obj = undefined;
    }
  }
  // Still racing after several attempts: a conflict, requeued quietly by the controller.
  throw new KubeApiError({ kind: 'Conflict', code: 409, message: 'finalizer update kept conflicting', cause: lastError });
}

/** A PatchTarget for a custom object. */
export function customObjectTarget(custom: CustomObjectsApi, ref: Omit<CustomObjectRef, 'kind'>): PatchTarget {
  const base = { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name };
  const namespace = ref.namespace;
  return {
    read: async () =>
      (namespace === undefined
        ? await custom.getClusterCustomObject(base)
        : await custom.getNamespacedCustomObject({ ...base, namespace })) as KubeObject,
    jsonPatch: async (ops) =>
      (namespace === undefined
        ? await custom.patchClusterCustomObject({ ...base, body: ops }, jsonPatchHeader)
        : await custom.patchNamespacedCustomObject({ ...base, namespace, body: ops }, jsonPatchHeader)) as KubeObject,
  };
}

/** A PatchTarget for a Deployment or StatefulSet. */
export function workloadTarget(apps: AppsV1Api, kind: 'Deployment' | 'StatefulSet', namespace: string, name: string): PatchTarget {
  if (kind === 'Deployment') {
    return {
      read: () => apps.readNamespacedDeployment({ name, namespace }),
      jsonPatch: (ops) => apps.patchNamespacedDeployment({ name, namespace, body: ops }, jsonPatchHeader),
    };
  }
  return {
    read: () => apps.readNamespacedStatefulSet({ name, namespace }),
    jsonPatch: (ops) => apps.patchNamespacedStatefulSet({ name, namespace, body: ops }, jsonPatchHeader),
  };
}
