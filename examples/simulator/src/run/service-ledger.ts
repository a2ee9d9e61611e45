/**
 * Whether each agent's workload is served, over time. An agent is served when its traffic points at a
 * live instance, no reroute is moving it, and no snapshot has frozen it (SEF's emergency path snapshots
 * the primary in place: we count the workload down from the snapshot until traffic reaches the restored
 * instance).
 */
export class ServiceLedger {
  readonly #state = new Map<string, { routedTo: string | null; rerouting: number; frozen: boolean; downSince: number | null }>();
  readonly #outages = new Map<string, [number, number][]>();
  readonly #dead = new Set<string>();

  constructor(private readonly now: () => number) {}

  #of(agentId: string) {
    let s = this.#state.get(agentId);
    if (!s) this.#state.set(agentId, (s = { routedTo: null, rerouting: 0, frozen: false, downSince: this.now() }));
    return s;
  }

  #update(agentId: string): void {
    const s = this.#of(agentId);
    const served = s.routedTo !== null && !this.#dead.has(s.routedTo) && s.rerouting === 0 && !s.frozen;
    const now = this.now();
    if (served && s.downSince !== null) {
      if (now > s.downSince) this.#push(agentId, [s.downSince, now]);
      s.downSince = null;
    } else if (!served && s.downSince === null) s.downSince = now;
  }

  #push(agentId: string, outage: [number, number]): void {
    const list = this.#outages.get(agentId) ?? [];
    list.push(outage);
    this.#outages.set(agentId, list);
  }

  rerouteStarted(agentId: string): void {
    this.#of(agentId).rerouting++;
    this.#update(agentId);
  }

  rerouteEnded(agentId: string, instanceId: string | null): void {
    const s = this.#of(agentId);
    s.rerouting = Math.max(0, s.rerouting - 1);
    if (instanceId !== null) {
      s.routedTo = instanceId;
      s.frozen = false;
    }
    this.#update(agentId);
  }

  frozen(agentId: string): void {
    this.#of(agentId).frozen = true;
    this.#update(agentId);
  }

  instanceGone(instanceId: string, agentId: string): void {
    this.#dead.add(instanceId);
    this.#update(agentId);
  }

  routedTo(agentId: string): string | null {
    return this.#of(agentId).routedTo;
  }

  served(agentId: string): boolean {
    return this.#of(agentId).downSince === null;
  }

  /** Outages of the agent as [from, to) intervals, an open one closed at `until`, clipped to [from, until]. */
  outages(agentId: string, from: number, until: number): [number, number][] {
    const list = [...(this.#outages.get(agentId) ?? [])];
    const open = this.#state.get(agentId)?.downSince;
    if (open !== null && open !== undefined) list.push([open, until]);
    return list.map(([a, b]): [number, number] => [Math.max(a, from), Math.min(b, until)]).filter(([a, b]) => b > a);
  }
}
