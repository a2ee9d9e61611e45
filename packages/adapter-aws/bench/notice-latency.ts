// Notice-to-handler latency of the IMDS watcher against the local IMDS (startImdsMock), beside the raw
// HTTP poll (token PUT + GET instance-action with fetch) measured in the same run, interleaved.
// The watcher polls every 20 ms here; on an instance it polls every 5 s, so add about 2.5 s (half a
// poll) on average there: the latency is the wait for the next poll plus one poll's HTTP time.
import { createImdsSignalSource } from '../src/index.js';
import { startImdsMock } from '../src/testing/index.js';

const pollInterval = 20;
const notices = 120;
const repeats = 3;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((r) => setTimeout(r, 1));
};

const imds = await startImdsMock();
const arrived: number[] = [];
const stop = createImdsSignalSource({ imds: { endpoint: imds.endpoint }, pollInterval, instanceId: imds.instanceId })
  .start(async () => void arrived.push(performance.now()));

/** One raw poll as the watcher does it, without the watcher: a fresh token, then the GET. */
async function rawPoll(): Promise<number> {
  const t = performance.now();
  const token = await (await fetch(`${imds.endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } })).text();
  await (await fetch(`${imds.endpoint}/latest/meta-data/spot/instance-action`, { headers: { 'x-aws-ec2-metadata-token': token } })).text();
  return performance.now() - t;
}

const runs: { p50: number; p99: number; raw50: number; raw99: number }[] = [];
for (let r = 0; r < repeats; r++) {
  const latency: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < notices; i++) {
    raw.push(await rawPoll()); // interleaved: one baseline poll per notice
    // Issue at a spread of phases of the poll cycle (a fixed stride, not random), as a real notice would.
    await new Promise((res) => setTimeout(res, (i * 7) % pollInterval));
    const seen = arrived.length;
    const issuedAt = performance.now();
    imds.recommendRebalance(Date.UTC(2026, 0, 1) + (r * notices + i) * 1000);
    await until(() => arrived.length > seen);
    latency.push(arrived[seen]! - issuedAt);
    const gets = imds.requests.length;
    imds.clear();
    await until(() => imds.requests.length >= gets + 4); // the watcher saw the 404: the next notice is a new one
  }
  runs.push({ p50: pct(latency, 50), p99: pct(latency, 99), raw50: pct(raw, 50), raw99: pct(raw, 99) });
}
await stop();
await imds.close();

const summary = (key: keyof (typeof runs)[number]) => {
  const xs = runs.map((x) => x[key]).sort((a, b) => a - b);
  return `min ${ms(xs[0]!)} / median ${ms(xs[Math.floor(xs.length / 2)]!)} / max ${ms(xs[xs.length - 1]!)}`;
};
console.log(`IMDS notice-to-handler latency (watcher polling every ${pollInterval} ms, ${notices} notices x ${repeats} runs):`);
console.log(`  p50 ${summary('p50')}; p99 ${summary('p99')}`);
console.log(`  baseline, one raw poll (token PUT + GET): p50 ${summary('raw50')}; p99 ${summary('raw99')}`);
console.log(`  ratio of medians p50 latency / p50 raw poll: ${(runs.map((x) => x.p50).sort((a, b) => a - b)[1]! / runs.map((x) => x.raw50).sort((a, b) => a - b)[1]!).toFixed(1)} (half a poll interval is ${pollInterval / 2} ms)`);
