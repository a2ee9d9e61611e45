import type { AddOptions, BufferPolicy, DedupeBuffer } from '../ports/dedupe-buffer.js';
import type { Role, SourceReport } from '../ports/types.js';
import { SlotTable } from '../dedupe/slot-table.js';
import { nearerTwin, pairRearmedAt, pairStillHonoured, repeatReplaces, withinTolerance } from '../dedupe/twin-rules.js';

/** A pair made: the report's twin, kept so that the same report added again gets it back. */
interface PairRecord {
  readonly twin: SourceReport;
  /** When it was made or last handed again (ms): what {@link pairStillHonoured} counts from. */
  readonly pairedAt: number;
  /** The `add` call that made it. */
  readonly call: number;
}

/**
 * An in-memory {@link DedupeBuffer} for one process. Reports wait in typed-array columns (about 40 bytes
 * each) chained per series, with ids interned, so 10,000 series stay far below 200 bytes per report.
 * Every method runs without awaiting in between, which makes it atomic within the process. A report
 * added again (not a first delivery) after it left with its twin gets the twin again, for one to two
 * windows after the pair was made or last handed again (each repeat re-arms it, as the Redis buffer
 * does): a failed store of the pair, or a lost reply retried for longer than a window, then loses neither.
 * @example
 * const buffer = createMemoryDedupeBuffer();
 * const released = await buffer.add(reports, clock.now(), { timeTolerance: 30, windowMs: 300_000 });
 */
export function createMemoryDedupeBuffer(): DedupeBuffer {
  const table = new SlotTable();
  const roleCode = (r: Role): number => (r === 'primary' ? 0 : 1);
  const pairs = new Map<string, PairRecord>();
  const pairKey = (r: SourceReport) => `${r.agentId}\u0000${r.poolId}\u0000${r.role}\u0000${r.timestamp}`;
  let call = 0;

  const toReport = (slot: number): SourceReport => ({
    agentId: table.agentOf(slot),
    instanceId: table.instanceOf(slot),
    poolId: table.poolOf(slot),
    timestamp: table.ts[slot]!,
    price: table.price[slot]!,
    role: table.role[slot] === 0 ? 'primary' : 'replica',
  });

  const addOne = (r: SourceReport, now: number, policy: BufferPolicy, lookup: boolean, out: SourceReport[]) => {
    const paired = pairs.get(pairKey(r));
    if (paired !== undefined && (lookup ? pairStillHonoured(paired.pairedAt, now, policy.windowMs) : paired.call === call)) {
      out.push(paired.twin, r);
      // Re-armed: while its report keeps coming back (a reply lost again and again), the twin is remembered.
      const rearmed = pairRearmedAt(paired.pairedAt, now);
      if (lookup && rearmed !== paired.pairedAt) pairs.set(pairKey(r), { ...paired, pairedAt: rearmed });
      return;
    }
    const series = table.seriesIndex(r.agentId, r.poolId);
    const role = roleCode(r.role);
    let twin = -1;
    let twinDistance = Infinity;
    for (let s = table.head[series]!; s !== -1; s = table.next[s]!) {
      if (table.role[s] === role) {
        if (table.ts[s] === r.timestamp) {
          // The same observation again: keep the lower price, so arrival order does not matter.
          if (repeatReplaces(r.price, table.price[s]!)) {
            table.price[s] = r.price;
            table.inst[s] = table.instanceIndex(r.instanceId);
          }
          return;
        }
        continue;
      }
      const d = Math.abs(table.ts[s]! - r.timestamp);
      // Nearest twin wins; on a tie the earlier timestamp, so the choice does not depend on chain order.
      if (withinTolerance(d, policy.timeTolerance) && nearerTwin(d, table.ts[s]!, twinDistance, twin === -1 ? Infinity : table.ts[twin]!)) {
        twin = s;
        twinDistance = d;
      }
    }
    if (twin === -1) {
      table.insert(series, r.timestamp, r.price, now, table.instanceIndex(r.instanceId), role);
      return;
    }
    const released = toReport(twin);
    out.push(released, r);
    table.remove(twin);
    pairs.set(pairKey(r), { twin: released, pairedAt: now, call });
  };

  return {
    async add(reports, now, policy, options?: AddOptions) {
      const out: SourceReport[] = [];
      call++;
      const lookup = options?.firstDelivery !== true;
      for (const r of reports) addOne(r, now, policy, lookup, out);
      return out;
    },
    async releaseExpired(now, policy) {
      const out: SourceReport[] = [];
      const due = now - policy.windowMs;
      table.forEachUsed((slot) => {
        if (table.arrived[slot]! <= due) {
          out.push(toReport(slot));
          table.remove(slot);
        }
      });
      for (const [key, p] of pairs) if (!pairStillHonoured(p.pairedAt, now, policy.windowMs)) pairs.delete(key);
      return out;
    },
    async expired(now, policy) {
      const out: SourceReport[] = [];
      const due = now - policy.windowMs;
      table.forEachUsed((slot) => {
        if (table.arrived[slot]! <= due) out.push(toReport(slot));
      });
      return out;
    },
    async size() {
      return table.count;
    },
  };
}
