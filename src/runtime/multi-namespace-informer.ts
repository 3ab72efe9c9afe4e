// One informer per namespace, read as one cache: what the operator watches when an install-time
// namespace scope (--namespace) limits it to Roles in those namespaces, where a cluster-wide list
// would be forbidden.
import { type ChangeHandler, type Informer, type InformerCache, type KubeObject } from './informer.ts';

export class MultiNamespaceInformer<T extends KubeObject> implements InformerCache<T> {
  readonly name: string;
  readonly #byNamespace: ReadonlyMap<string, Informer<T>>;

  constructor(name: string, byNamespace: ReadonlyMap<string, Informer<T>>) {
    this.name = name;
    this.#byNamespace = byNamespace;
  }

  onChange(handler: ChangeHandler<T>): this {
    for (const informer of this.#byNamespace.values()) informer.onChange(handler);
    return this;
  }

  onDelete(handler: ChangeHandler<T>): this {
    for (const informer of this.#byNamespace.values()) informer.onDelete(handler);
    return this;
  }

  start(): void {
    for (const informer of this.#byNamespace.values()) informer.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#byNamespace.values()].map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return [...this.#byNamespace.values()].every((i) => i.hasSynced());
  }

  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#byNamespace.values()].map((i) => i.waitForSync(signal)));
  }

  /** `namespace/name`: only the namespace's own informer can hold it. */
  get(key: string): T | undefined {
    return this.#byNamespace.get(key.slice(0, key.indexOf('/')))?.get(key);
  }

  list(): T[] {
    return [...this.#byNamespace.values()].flatMap((i) => i.list());
  }
}
