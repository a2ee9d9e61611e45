/**
 * Column storage for buffered reports: one slot per report in typed arrays, a doubly linked chain per
 * series, a free list for reuse. Agent, pool and instance ids are interned, so a waiting report costs
 * about 40 bytes instead of an object with its own strings (PERF.md: 215 bytes string-keyed).
 * Internal to the memory dedupe buffer.
 */
export class SlotTable {
  ts = new Float64Array(1024);
  price = new Float64Array(1024);
  arrived = new Float64Array(1024);
  /** Series of the slot, -1 once the slot is freed (slots at or past `#used` are never read). */
  series = new Int32Array(1024);
  inst = new Int32Array(1024);
  role = new Uint8Array(1024);
  next = new Int32Array(1024);
  prev = new Int32Array(1024);
  /** First slot of each series' chain, -1 when none waits. */
  head = new Int32Array(1024).fill(-1);
  count = 0;

  #used = 0;
  #free = -1;
  readonly #seriesByAgent = new Map<string, Map<string, number>>();
  readonly #seriesAgent: string[] = [];
  readonly #seriesPool: string[] = [];
  readonly #pools = new Map<string, string>();
  readonly #instanceIds = new Map<string, number>();
  readonly #instances: string[] = [];
  #lastAgent: string | undefined;
  #lastPools: Map<string, number> | undefined;
  #lastInstance: string | undefined;
  #lastInstanceIndex = -1;

  seriesIndex(agentId: string, poolId: string): number {
    // Batches come from one agent at a time: remember the last agent's pools.
    let pools = agentId === this.#lastAgent ? this.#lastPools : this.#seriesByAgent.get(agentId);
    if (!pools) this.#seriesByAgent.set(agentId, (pools = new Map()));
    this.#lastAgent = agentId;
    this.#lastPools = pools;
    let index = pools.get(poolId);
    if (index === undefined) {
      let pool = this.#pools.get(poolId);
      if (pool === undefined) this.#pools.set(poolId, (pool = poolId));
      index = this.#seriesAgent.length;
      this.#seriesAgent.push(agentId);
      this.#seriesPool.push(pool);
      pools.set(pool, index);
      if (index >= this.head.length) this.head = grow(this.head, -1);
    }
    return index;
  }

  instanceIndex(instanceId: string): number {
    if (instanceId === this.#lastInstance) return this.#lastInstanceIndex;
    let i = this.#instanceIds.get(instanceId);
    if (i === undefined) {
      i = this.#instances.length;
      this.#instances.push(instanceId);
      this.#instanceIds.set(instanceId, i);
    }
    this.#lastInstance = instanceId;
    this.#lastInstanceIndex = i;
    return i;
  }

  agentOf(slot: number): string {
    return this.#seriesAgent[this.series[slot]!]!;
  }
  poolOf(slot: number): string {
    return this.#seriesPool[this.series[slot]!]!;
  }
  instanceOf(slot: number): string {
    return this.#instances[this.inst[slot]!]!;
  }

  insert(series: number, ts: number, price: number, arrived: number, inst: number, role: number): void {
    let slot = this.#free;
    if (slot !== -1) this.#free = this.next[slot]!;
    else {
      if (this.#used === this.ts.length) this.#growSlots();
      slot = this.#used++;
    }
    this.ts[slot] = ts;
    this.price[slot] = price;
    this.arrived[slot] = arrived;
    this.series[slot] = series;
    this.inst[slot] = inst;
    this.role[slot] = role;
    const first = this.head[series]!;
    this.next[slot] = first;
    this.prev[slot] = -1;
    if (first !== -1) this.prev[first] = slot;
    this.head[series] = slot;
    this.count++;
  }

  remove(slot: number): void {
    const series = this.series[slot]!;
    const n = this.next[slot]!;
    const p = this.prev[slot]!;
    if (p === -1) this.head[series] = n;
    else this.next[p] = n;
    if (n !== -1) this.prev[n] = p;
    this.series[slot] = -1;
    this.next[slot] = this.#free;
    this.#free = slot;
    this.count--;
  }

  /** Calls `fn` for every used slot; `fn` may remove the slot it is given. */
  forEachUsed(fn: (slot: number) => void): void {
    for (let slot = 0; slot < this.#used; slot++) if (this.series[slot] !== -1) fn(slot);
  }

  #growSlots(): void {
    this.ts = grow(this.ts);
    this.price = grow(this.price);
    this.arrived = grow(this.arrived);
    this.series = grow(this.series);
    this.inst = grow(this.inst);
    this.role = grow(this.role);
    this.next = grow(this.next);
    this.prev = grow(this.prev);
  }
}

type Column = Float64Array | Int32Array | Uint8Array;

function grow<T extends Column>(a: T, fill = 0): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
