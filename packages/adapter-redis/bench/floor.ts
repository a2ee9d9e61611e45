// `pnpm bench:floor`: the floor under the buffer benchmark. A Lua script that does only what any atomic
// Redis buffer must (read each series with one HMGET, one comparison, write each series with one HSET; no
// pair records, no due index, no counter), fed the same MessagePack batch and the same worst-shape traffic
// as `pnpm bench`, beside redis-benchmark -P 100 SET in the same run. Not a buffer: it only pairs the
// benchmark's exact shape. It shows how much of the 0.3 target this machine leaves for real work.
import type { SourceReport } from '@sef/core';
import { Redis } from 'ioredis';
import { decodeEntry, packWaiting } from '../src/buffer-codec.js';
import { seriesId } from '../src/keys.js';
import { packBatch } from '../src/msgpack-batch.js';
import { arrival, chunk, host, port, redisBenchmark, reportsOf, timed } from './support.js';

const client = new Redis(`redis://${host}:${port}`);
client.defineCommand('floor', { lua: `
local find, sub, byte, tonumber = string.find, string.sub, string.byte, tonumber
local b = cmsgpack.unpack(ARGV[1])
local ids, tss, ents = {}, {}, {}
for j = 1, #b, 3 do local n = #ids + 1; ids[n] = b[j]; tss[n] = b[j + 1]; ents[n] = b[j + 2] end
local values = redis.call('HMGET', KEYS[1], unpack(ids))
local sets, out = {}, {}
for s = 1, #ids do
  local v = values[s]
  if not v or byte(v, 1) == 64 then
    sets[#sets + 1] = ids[s]; sets[#sets + 1] = ents[s]
  else
    local p1 = find(v, '|', 2, true)
    if byte(v, 1) ~= byte(ents[s], 1) and math.abs(tonumber(sub(v, 2, p1 - 1)) - tss[s]) <= 30 then
      out[#out + 1] = s; out[#out + 1] = v
      sets[#sets + 1] = ids[s]; sets[#sets + 1] = '@'
    end
  end
end
for j = 1, #sets, 1000 do redis.call('HSET', KEYS[1], unpack(sets, j, math.min(j + 999, #sets))) end
return out
` });

const reports = reportsOf(2000, 100);
const chunks = chunk(reports, 1000);

/** One call: per report its series id, timestamp and waiting entry; returns the released reports. */
async function call(c: readonly SourceReport[]): Promise<SourceReport[]> {
  const now = String(arrival(c));
  const batch: (string | number)[] = [];
  for (const r of c) batch.push(seriesId(r), r.timestamp, packWaiting(r, now));
  const reply = (await (client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)['floor']!(1, 'floor:h', packBatch(batch))) as (number | string)[];
  const out: SourceReport[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const r = c[Number(reply[i]) - 1]!;
    out.push(decodeEntry(r, String(reply[i + 1])), r);
  }
  return out;
}

const setRps = redisBenchmark(['SET', 'floor:set', 'x']);
await client.del('floor:h');
for (const c of chunks.slice(0, 20)) await call(c);
await client.del('floor:h');
await client.config('RESETSTAT');
const cpu0 = process.cpuUsage();
let released = 0;
const sec = await timed(chunks, 4, async (c) => {
  const out = await call(c); // not `released += await …`: that reads `released` before the await
  released += out.length;
});
const cpu = process.cpuUsage(cpu0);
const st = await client.info('commandstats');
const ev = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(st)!;
console.log(
  `SET ${Math.round(setRps)}/s  floor ${Math.round(reports.length / sec)} reports/s  ratio ${(reports.length / sec / setRps).toFixed(2)}  released ${released}  node ${((cpu.user + cpu.system) / reports.length).toFixed(2)} µs/report  redis ${(Number(ev[2]) / Number(ev[1]) / 1000).toFixed(2)} ms/call`,
);
await client.del('floor:h', 'floor:set');
await client.quit();
