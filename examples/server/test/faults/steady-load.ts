/** What the load saw: reports answered 202 (acknowledged), every report sent, and the requests. */
export interface LoadTally {
  /** `agent|timestamp|role` of every report acknowledged with a 202. */
  readonly acked: Set<string>;
  /** The same for every report sent, whatever the answer (a request cut off may still have been queued). */
  readonly sent: Set<string>;
  requests: number;
  answered202: number;
  /** Answers by status (`none` when the request got no answer). */
  readonly statuses: Record<string, number>;
  /** Every request: when it was sent and answered (ms, `Date.now()`), its status and the reports it acknowledged. */
  readonly log: RequestRecord[];
}

export interface RequestRecord {
  readonly start: number;
  readonly end: number;
  readonly status: number | 'none';
  readonly acked: readonly string[];
}

export interface SteadyLoadOptions {
  /** Where to send; called per request, so that a restarted server is used at once. */
  readonly targets: () => readonly string[];
  readonly agents: readonly string[];
  readonly poolId: string;
  /** Unix seconds of each agent's first observation; observation i is at `base + 300 i`. */
  readonly base: number;
  /** Observations per request. */
  readonly batch: number;
  /** Observations per agent at most (the last one must not lie in the future). */
  readonly maxObservations: number;
  /** Parallel senders; each sends a primary batch, then the replica's batch of the same observations. */
  readonly concurrency: number;
  /** Pause of each sender between two observation batches (ms): the load's pace. */
  readonly pauseMs: number;
}

export const reportKey = (agent: string, ts: number, role: 'primary' | 'replica') => `${agent}|${ts}|${role}`;

/**
 * Sends price reports of agents with a replica (primary and replica report every observation, so twins
 * wait in the dedupe buffer) at a steady pace until `stop()`, and tallies what was acknowledged.
 */
export function startSteadyLoad(options: SteadyLoadOptions): { tally: LoadTally; stop: () => Promise<void> } {
  const tally: LoadTally = { acked: new Set(), sent: new Set(), requests: 0, answered202: 0, statuses: {}, log: [] };
  const next = options.agents.map(() => 0);
  let turn = 0;
  let stopped = false;

  const send = async (agent: string, k: number, role: 'primary' | 'replica', from: number, count: number, pick: number) => {
    const targets = options.targets();
    const url = targets[pick % targets.length]!;
    const reports = Array.from({ length: count }, (_, j) => ({
      instanceId: `i-${role === 'primary' ? 'p' : 'r'}-${k}`,
      poolId: options.poolId,
      timestamp: options.base + (from + j) * 300,
      price: role === 'primary' ? 0.05 : 0.0501,
    }));
    for (const r of reports) tally.sent.add(reportKey(agent, r.timestamp, role));
    tally.requests++;
    const start = Date.now();
    try {
      const res = await fetch(`${url}/api/agents/${agent}/pricing`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reports }),
        signal: AbortSignal.timeout(6_000),
      });
      tally.statuses[res.status] = (tally.statuses[res.status] ?? 0) + 1;
      if (res.status !== 202) {
        await res.arrayBuffer().catch(() => undefined);
        tally.log.push({ start, end: Date.now(), status: res.status, acked: [] });
        return;
      }
      const body = (await res.json()) as { accepted: number; rejected: { index: number }[] };
      tally.answered202++;
      const rejected = new Set(body.rejected.map((x) => x.index));
      const acked: string[] = [];
      reports.forEach((r, j) => {
        if (!rejected.has(j)) acked.push(reportKey(agent, r.timestamp, role));
      });
      for (const key of acked) tally.acked.add(key);
      tally.log.push({ start, end: Date.now(), status: 202, acked });
    } catch {
      tally.statuses['none'] = (tally.statuses['none'] ?? 0) + 1;
      tally.log.push({ start, end: Date.now(), status: 'none', acked: [] });
      // No answer: not acknowledged (it may still have been queued: `sent`).
    }
  };

  const sender = async () => {
    while (!stopped) {
      const k = turn++ % options.agents.length;
      const from = next[k]!;
      const count = Math.min(options.batch, options.maxObservations - from);
      if (count <= 0) {
        if (next.every((n) => n >= options.maxObservations)) return;
        continue;
      }
      next[k] = from + count;
      const agent = options.agents[k]!;
      await send(agent, k, 'primary', from, count, turn);
      await send(agent, k, 'replica', from, count, turn + 1);
      await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const running = Array.from({ length: options.concurrency }, () => sender());
  return {
    tally,
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}
