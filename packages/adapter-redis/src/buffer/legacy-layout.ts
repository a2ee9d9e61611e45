import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { encodeEntry, waitOp } from './ops.js';

/**
 * The dedupe buffer's layout before its log (versions up to this one's predecessor): a hash
 * `<prefix>buf:series` of series id → the series' waiting reports, each packed
 * `<role p|r><timestamp>|<price>|<arrived ms>|<n>:<instanceId>` (`n` the id's length in bytes), or
 * `@<ms>` for an emptied series, and a due index `<prefix>buf:due`. The count key is the same in both.
 */
export const legacyKeys = (prefix: string) => ({ series: `${prefix}buf:series`, due: `${prefix}buf:due` });

/** The reports waiting in one series value of the previous layout. */
export function parseLegacySeries(value: string): { role: 0 | 1; ts: number; price: number; arrived: number; inst: string }[] {
  const out: { role: 0 | 1; ts: number; price: number; arrived: number; inst: string }[] = [];
  if (value.startsWith('@')) return out;
  const bytes = Buffer.from(value, 'utf8');
  let pos = 0;
  while (pos < bytes.length) {
    const p1 = bytes.indexOf(0x7c, pos + 1);
    const p2 = bytes.indexOf(0x7c, p1 + 1);
    const p3 = bytes.indexOf(0x7c, p2 + 1);
    const colon = bytes.indexOf(0x3a, p3 + 1);
    const end = colon + 1 + Number(bytes.toString('latin1', p3 + 1, colon));
    out.push({
      role: bytes[pos] === 0x70 ? 0 : 1,
      ts: Number(bytes.toString('latin1', pos + 1, p1)),
      price: Number(bytes.toString('latin1', p1 + 1, p2)),
      arrived: Number(bytes.toString('latin1', p2 + 1, p3)),
      inst: bytes.toString('utf8', colon + 1, end),
    });
    pos = end;
  }
  return out;
}

/**
 * Moves the reports waiting in the previous layout into the log, as one entry of wait decisions (each
 * after its own arrival time), and deletes the old keys, in one MULTI that aborts if either the old hash
 * or the log's head changed meanwhile (WATCH; then it reads again). The waiting count is the same key in
 * both layouts and already counts these reports. Runs on its own connection, as WATCH is per connection.
 */
export async function adoptLegacyLayout(client: Redis, prefix: string, log: { log: string; head: string; count: string }, ttlMs: string): Promise<void> {
  const legacy = legacyKeys(prefix);
  if ((await client.exists(legacy.series)) === 0) return;
  const c = client.duplicate();
  try {
    // A duplicate of a lazyConnect client waits for connect(); any other connects by itself.
    if (c.status === 'wait') await c.connect();
    if (c.status !== 'ready') await once(c, 'ready');
    for (;;) {
      await c.watch(legacy.series, log.head);
      const [values, head] = await Promise.all([c.hgetall(legacy.series), c.get(log.head)]);
      const waits: { sid: string; role: 0 | 1; ts: number; price: number; arrived: number; inst: string }[] = [];
      for (const [sid, value] of Object.entries(values)) for (const w of parseLegacySeries(value)) waits.push({ sid, ...w });
      waits.sort((a, b) => a.arrived - b.arrived);
      const items: string[] = [];
      let now: number | undefined;
      for (const w of waits) {
        if (w.arrived !== now) items.push(String((now = w.arrived)));
        items.push(waitOp(JSON.stringify(w.sid), w.role, w.ts, w.price, JSON.stringify(w.inst)));
      }
      const seq = Number(head ?? 0) + 1;
      const tx = c.multi();
      if (items.length > 0) {
        tx.xadd(log.log, `${seq}-0`, 'd', encodeEntry(items));
        tx.set(log.head, seq, 'PX', ttlMs);
        tx.pexpire(log.log, ttlMs);
        tx.pexpire(log.count, ttlMs);
      }
      tx.del(legacy.series, legacy.due);
      if ((await tx.exec()) !== null) return;
    }
  } finally {
    c.disconnect();
  }
}
