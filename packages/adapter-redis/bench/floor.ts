// `pnpm bench:floor`: the floor under the buffer benchmark. A Lua script that does only what any atomic
// Redis buffer must (read each series with one HMGET, one comparison, write each series with one HSET; no
// pair records, no due index, no counter), fed the same MessagePack batch and the same worst-shape traffic
// as `pnpm bench`, beside redis-benchmark -P 100 SET in the same run. Not a buffer: it only pairs the
// benchmark's exact shape. It shows how much of the 0.3 target this machine leaves for real work.
import { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { packBatch } from '../src/msgpack-batch.js';
const client = new Redis('redis://127.0.0.1:6379');
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
const reports: any[] = [];
for (let k = 0; k < 100; k++) for (const role of ['primary', 'replica']) for (let s = 0; s < 2000; s++) reports.push({ agentId: `agent-${s}`, instanceId: role === 'primary' ? 'i-0123456789abcdef0' : 'i-0fedcba9876543210', poolId: 'us-east-1a:c5.large', timestamp: 1_764_000_000 + k * 60 + (role === 'primary' ? 0 : 3), price: 0.0456, role });
const chunks: any[][] = []; for (let i = 0; i < reports.length; i += 1000) chunks.push(reports.slice(i, i + 1000));
async function call(c: any[]) {
  const now = String(c[0].timestamp * 1000 + 1000);
  const batch: (string | number)[] = [];
  for (const r of c) { const id = `${r.agentId.length}:${r.agentId}:${r.poolId}`; batch.push(id, r.timestamp, `${r.role === 'primary' ? 'p' : 'r'}${r.timestamp}|${r.price}|${now}|${Buffer.byteLength(r.instanceId)}:${r.instanceId}`); }
  const reply = (await (client as any).floor(1, 'floor:h', packBatch(batch))) as (number | string)[];
  const out: any[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    const r = c[Number(reply[i]) - 1]; const e = String(reply[i + 1]);
    const p1 = e.indexOf('|'); const p2 = e.indexOf('|', p1 + 1); const p3 = e.indexOf('|', p2 + 1); const col = e.indexOf(':', p3 + 1);
    out.push({ agentId: r.agentId, instanceId: e.slice(col + 1), poolId: r.poolId, timestamp: Number(e.slice(1, p1)), price: Number(e.slice(p1 + 1, p2)), role: e[0] === 'p' ? 'primary' : 'replica' }, r);
  }
  return out;
}
const csv = execFileSync('redis-benchmark', ['-P', '100', '-n', '300000', '-q', '--csv', 'SET', 'floor:set', 'x'], { encoding: 'utf8' });
const setRps = Number(JSON.parse(csv.trim().split('\n').at(-1)!.split(',')[1]!));
await client.del('floor:h');
for (let i = 0; i < 20; i++) await call(chunks[i]!);
await client.del('floor:h');
await client.config('RESETSTAT');
const cpu0 = process.cpuUsage(); const t0 = process.hrtime.bigint(); let next = 0; let released = 0;
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (next < chunks.length) {
      const out = await call(chunks[next++]!);
      released += out.length;
    }
  }),
);
const sec = Number(process.hrtime.bigint() - t0) / 1e9; const cpu = process.cpuUsage(cpu0);
const st = await client.info('commandstats'); const ev = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(st)!;
console.log(`SET ${Math.round(setRps)}/s  floor ${Math.round(reports.length / sec)} reports/s  ratio ${(reports.length / sec / setRps).toFixed(2)}  released ${released}  node ${((cpu.user + cpu.system) / reports.length).toFixed(2)} µs/report  redis ${(Number(ev[2]) / Number(ev[1]) / 1000).toFixed(2)} ms/call`);
await client.del('floor:h', 'floor:set');
await client.quit();
