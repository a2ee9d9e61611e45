// Adapter-side CPU work beside a baseline measured in the same run (ratios, not absolute times, compare).
import { parseEventBridgeNotice, sampleStepFunction, toStepFunction } from '../src/index.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function time(fn: () => void, runs = 7): number {
  fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
}
const report = (what: string, n: number, ms: number, baseline: string, baseMs: number) =>
  console.log(`${what}: ${(n / ms / 1000).toFixed(2)} M/s; baseline ${baseline}: ${(n / baseMs / 1000).toFixed(2)} M/s; ratio ${(baseMs / ms).toFixed(2)}`);

// A week of price changes of 1,000 pools, as DescribeSpotPriceHistory pages list them (newest first).
const n = 200_000;
const history = Array.from({ length: n }, (_, i) => ({ time: (n - i) * 60_000, price: 0.03 + ((i * 7919) % 100) / 10_000 }));
const step = time(() => void toStepFunction(history));
const sort = time(() => void [...history].sort((a, b) => a.time - b.time));
report('toStepFunction', n, step, 'copy + sort', sort);

const sorted = toStepFunction(history);
const samples = n;
const sample = time(() => void sampleStepFunction(sorted, 0, samples * 60_000, 60_000));
const copy = time(() => void sorted.map((p) => ({ time: p.time, price: p.price })));
report('sampleStepFunction', samples, sample, 'copying every change once', copy);

const bodies = Array.from({ length: 50_000 }, (_, i) => JSON.stringify({
  version: '0', id: `e-${i}`, 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', account: '123456789012',
  time: '2026-01-01T12:00:00Z', region: 'us-east-1', resources: [`arn:aws:ec2:us-east-1a:instance/i-${i}`], detail: { 'instance-id': `i-${i}`, 'instance-action': 'terminate' },
}));
const parse = time(() => { for (const b of bodies) parseEventBridgeNotice(b); });
const jsonOnly = time(() => { for (const b of bodies) JSON.parse(b); });
report('parseEventBridgeNotice', bodies.length, parse, 'JSON.parse', jsonOnly);
await import('./notice-latency.js');
