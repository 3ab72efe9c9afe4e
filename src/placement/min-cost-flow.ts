// Min-cost flow by successive shortest paths (Dijkstra with potentials). Costs and capacities
// must be integers (safe integers), so every comparison is exact and ties break the same way
// on every run: by node and arc insertion order.

export interface FlowNetwork {
  nodeCount: number;
  /** arc i and its reverse i ^ 1 */
  to: number[];
  capacity: number[];
  cost: number[];
  /** outgoing arcs per node, in insertion order */
  out: number[][];
}

export function createNetwork(nodeCount: number): FlowNetwork {
  return { nodeCount, to: [], capacity: [], cost: [], out: Array.from({ length: nodeCount }, () => []) };
}

/** Adds an arc and returns its index; its flow is read back with `flowOn`. */
export function addArc(net: FlowNetwork, from: number, to: number, capacity: number, cost: number): number {
  const index = net.to.length;
  net.to.push(to, from);
  net.capacity.push(capacity, 0);
  net.cost.push(cost, -cost);
  net.out[from]?.push(index);
  net.out[to]?.push(index + 1);
  return index;
}

/** Flow on a forward arc: the residual capacity of its reverse. */
export function flowOn(net: FlowNetwork, arc: number): number {
  return net.capacity[arc ^ 1] ?? 0;
}

/**
 * Sends up to `amount` units from `source` to `sink` at least cost; returns the units sent and
 * their cost. All arc costs must be non-negative on entry (zero potentials are then valid).
 */
export function minCostFlow(net: FlowNetwork, source: number, sink: number, amount: number): { flow: number; cost: number } {
  const n = net.nodeCount;
  const potential = new Float64Array(n);
  const dist = new Float64Array(n);
  const viaArc = new Int32Array(n);
  const done = new Uint8Array(n);
  const heap = new MinHeap();
  let sent = 0;
  let totalCost = 0;
  while (sent < amount) {
    dist.fill(Infinity);
    viaArc.fill(-1);
    done.fill(0);
    dist[source] = 0;
    heap.clear();
    heap.push(0, source);
    while (heap.size > 0) {
      const [d, u] = heap.pop();
      if (done[u] === 1) continue;
      done[u] = 1;
      const pu = potential[u] ?? 0;
      for (const arc of net.out[u] ?? []) {
        if ((net.capacity[arc] ?? 0) <= 0) continue;
        const v = net.to[arc] ?? 0;
        if (done[v] === 1) continue;
        const candidate = d + (net.cost[arc] ?? 0) + pu - (potential[v] ?? 0);
        if (candidate < (dist[v] ?? Infinity)) {
          dist[v] = candidate;
          viaArc[v] = arc;
          heap.push(candidate, v);
        }
      }
    }
    const dSink = dist[sink] ?? Infinity;
    if (dSink === Infinity) break;
    // Capping distances at the sink's keeps every residual reduced cost non-negative.
    for (let v = 0; v < n; v++) potential[v] = (potential[v] ?? 0) + Math.min(dist[v] ?? Infinity, dSink);
    let push = amount - sent;
    for (let v = sink; v !== source; ) {
      const arc = viaArc[v] ?? -1;
      push = Math.min(push, net.capacity[arc] ?? 0);
      v = net.to[arc ^ 1] ?? source;
    }
    let pathCost = 0;
    for (let v = sink; v !== source; ) {
      const arc = viaArc[v] ?? -1;
      net.capacity[arc] = (net.capacity[arc] ?? 0) - push;
      net.capacity[arc ^ 1] = (net.capacity[arc ^ 1] ?? 0) + push;
      pathCost += net.cost[arc] ?? 0;
      v = net.to[arc ^ 1] ?? source;
    }
    sent += push;
    totalCost += push * pathCost;
  }
  return { flow: sent, cost: totalCost };
}

/** Binary heap of (key, node), ties by node so the order never depends on insertion. */
class MinHeap {
  private keys: number[] = [];
  private nodes: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  clear(): void {
    this.keys.length = 0;
    this.nodes.length = 0;
  }

  push(key: number, node: number): void {
    this.keys.push(key);
    this.nodes.push(node);
    let i = this.keys.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.keys[0] ?? Infinity, this.nodes[0] ?? 0];
    const lastKey = this.keys.pop() ?? Infinity;
    const lastNode = this.nodes.pop() ?? 0;
    if (this.keys.length > 0) {
      this.keys[0] = lastKey;
      this.nodes[0] = lastNode;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < this.keys.length && this.less(left, smallest)) smallest = left;
        if (right < this.keys.length && this.less(right, smallest)) smallest = right;
        if (smallest === i) break;
        this.swap(i, smallest);
        i = smallest;
      }
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    const ka = this.keys[a] ?? Infinity;
    const kb = this.keys[b] ?? Infinity;
    return ka < kb || (ka === kb && (this.nodes[a] ?? 0) < (this.nodes[b] ?? 0));
  }

  private swap(a: number, b: number): void {
    const k = this.keys[a] ?? 0;
    const nd = this.nodes[a] ?? 0;
    this.keys[a] = this.keys[b] ?? 0;
    this.nodes[a] = this.nodes[b] ?? 0;
    this.keys[b] = k;
    this.nodes[b] = nd;
  }
}
