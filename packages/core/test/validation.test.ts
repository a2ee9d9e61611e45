import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';
import { hasPlainShape, shapeIssues, validateReports } from '../src/validation/index.js';

const now = Date.UTC(2026, 0, 1, 12);
const nowSec = now / 1000;
const config = parseConfig();

async function setup() {
  const clock = createFakeClock(now);
  const agents = createMemoryAgentStore({ fences: new FenceRegistry(), clock });
  const pools = createMemoryPoolStore(simulatedPools());
  const a = await agents.create({ id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-p' });
  await agents.update('a1', a.version, { replicaInstanceId: 'i-r' });
  await agents.create({ id: 'a2', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-a2' });
  const notices = createMemoryEventStore({ fences: new FenceRegistry() });
  const ctx = { config, now, pools, agents, notices, agentId: 'a1' };
  return { ctx, pools, agents, notices };
}

const good = (extra: Record<string, unknown> = {}) => ({ instanceId: 'i-p', poolId: 'us-east-1a:c5.large', timestamp: nowSec - 60, price: 0.0456, ...extra });
const codes = (issues: readonly { code: string }[]) => issues.map((i) => i.code).sort();

describe('report validation', () => {
  it("takes the role from SEF's record of the agent: primary and replica instances", async () => {
    const { ctx } = await setup();
    const { accepted, rejected } = await validateReports([good(), good({ instanceId: 'i-r' })], ctx);
    expect(rejected).toEqual([]);
    expect(accepted.map((r) => r.role)).toEqual(['primary', 'replica']);
    expect(accepted[0]).toEqual({ agentId: 'a1', instanceId: 'i-p', poolId: 'us-east-1a:c5.large', timestamp: nowSec - 60, price: 0.0456, role: 'primary' });
  });

  it('never takes a role from the report: a role field is an unknown field', async () => {
    const { ctx } = await setup();
    const { rejected } = await validateReports([good({ role: 'replica' })], ctx);
    expect(codes(rejected[0]!.issues)).toEqual(['unrecognized_keys']);
  });

  it('accepts a price in (minPrice, maxPrice] and rejects 0, negatives and more than maxPrice', async () => {
    const { ctx } = await setup();
    const prices = [config.maxPrice, 0.0001, 0, -0.05, config.maxPrice + 0.01];
    const { accepted, rejected } = await validateReports(prices.map((price) => good({ price })), ctx);
    expect(accepted.map((r) => r.price)).toEqual([config.maxPrice, 0.0001]);
    expect(rejected.map((r) => [r.index, codes(r.issues)])).toEqual([
      [2, ['price_out_of_range']],
      [3, ['price_out_of_range']],
      [4, ['price_out_of_range']],
    ]);
  });

  it('rejects a timestamp more than 300 s in the future or older than 24 h', async () => {
    const { ctx } = await setup();
    const ts = [nowSec + 300, nowSec + 301, nowSec - 86_400, nowSec - 86_401];
    const { accepted, rejected } = await validateReports(ts.map((timestamp) => good({ timestamp })), ctx);
    expect(accepted.map((r) => r.timestamp)).toEqual([nowSec + 300, nowSec - 86_400]);
    expect(rejected.map((r) => codes(r.issues))).toEqual([['timestamp_in_future'], ['timestamp_too_old']]);
  });

  it('rejects an unknown pool, an unknown agent and an instance that is not the agent’s current one', async () => {
    const { ctx } = await setup();
    const r1 = await validateReports([good({ poolId: 'us-east-1a:x9.huge' }), good({ instanceId: 'i-a2' })], ctx);
    expect(r1.rejected.map((r) => codes(r.issues))).toEqual([['unknown_pool'], ['unknown_instance']]);
    const r2 = await validateReports([good()], { ...ctx, agentId: 'ghost' });
    expect(codes(r2.rejected[0]!.issues)).toEqual(['unknown_agent']);
  });

  it('asks the pool store once per batch', async () => {
    const { ctx, pools } = await setup();
    const known = vi.spyOn(pools, 'known');
    await validateReports(Array.from({ length: 50 }, (_, i) => good({ poolId: i % 2 ? 'us-east-1a:c5.large' : 'us-east-1b:m5.large' })), ctx);
    expect(known).toHaveBeenCalledTimes(1);
    expect([...known.mock.calls[0]![0]].sort()).toEqual(['us-east-1a:c5.large', 'us-east-1b:m5.large']);
  });

  it('lists every reason of a report, not only the first', async () => {
    const { ctx } = await setup();
    const bad = { instanceId: 'i-p', poolId: 'nowhere', timestamp: 'yesterday', price: -1, extra: true, agentId: 'a2' };
    const { rejected } = await validateReports([bad], ctx);
    expect(codes(rejected[0]!.issues)).toEqual(['agent_mismatch', 'invalid_type', 'price_out_of_range', 'unknown_pool', 'unrecognized_keys']);
  });

  it('bounds ids at 128 characters and quotes no huge string back', async () => {
    const { ctx } = await setup();
    const huge = 'x'.repeat(1_000_000);
    const { rejected } = await validateReports([good({ poolId: 'p'.repeat(129) }), good({ instanceId: huge, [huge]: 1 })], ctx);
    expect(codes(rejected[0]!.issues)).toEqual(['id_too_long']);
    expect(codes(rejected[1]!.issues)).toEqual(['id_too_long', 'unrecognized_keys']);
    expect(JSON.stringify(rejected).length).toBeLessThan(2_000);
  });

  it('lets no __proto__ or constructor key pollute anything', async () => {
    const { ctx } = await setup();
    const input = JSON.parse(`[${JSON.stringify(good()).slice(0, -1)},"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}]`) as unknown[];
    const { accepted, rejected } = await validateReports(input, ctx);
    expect(accepted).toEqual([]);
    expect(codes(rejected[0]!.issues)).toEqual(['unrecognized_keys']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  const junkValue = fc.oneof(
    fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, null, undefined, true, '', '__proto__', 1e308, -0),
    fc.double(),
    fc.string({ maxLength: 300 }),
    fc.array(fc.anything(), { maxLength: 3 }),
    fc.object({ maxDepth: 1 }),
  );
  const junkReport = fc.oneof(
    fc.anything({ withNullPrototype: true, withObjectString: true, withBoxedValues: true }),
    fc.dictionary(fc.constantFrom('instanceId', 'poolId', 'timestamp', 'price', 'agentId', '__proto__', 'constructor', 'role', 'x'), junkValue),
    fc.record({ instanceId: junkValue, poolId: junkValue, timestamp: junkValue, price: junkValue }),
  );

  it('rejects arbitrary junk input (wrong types, NaN, Infinity, negative, huge strings, prototype-pollution keys) with reasons and never throws', async () => {
    const { ctx } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(junkReport, fc.constant(good())), { maxLength: 20 }), async (batch) => {
        const { accepted, rejected } = await validateReports(batch, ctx);
        expect(accepted.length + rejected.length).toBe(batch.length);
        for (const r of rejected) expect(r.issues.length).toBeGreaterThan(0);
        for (const r of accepted) {
          expect(Number.isFinite(r.price) && r.price > 0 && r.price <= config.maxPrice).toBe(true);
          expect(Object.keys(r).sort()).toEqual(['agentId', 'instanceId', 'poolId', 'price', 'role', 'timestamp']);
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('takes the hand-written fast path only for what the zod shape accepts', () => {
    const field = fc.oneof(fc.string({ maxLength: 5 }), fc.double(), fc.constant(undefined), fc.anything());
    const candidate = fc.oneof(
      fc.anything({ withNullPrototype: true, withObjectString: true }),
      fc.record({ agentId: field, instanceId: field, poolId: field, timestamp: field, price: field }, { requiredKeys: [] }),
      fc.record({ instanceId: fc.string(), poolId: fc.string(), timestamp: fc.double(), price: fc.double(), extra: field }, { requiredKeys: ['instanceId', 'poolId', 'timestamp', 'price'] }),
    );
    fc.assert(
      fc.property(candidate, (x) => {
        if (hasPlainShape(x)) expect(shapeIssues(x)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
    expect(hasPlainShape(good())).toBe(true);
    expect(hasPlainShape(Object.assign(Object.create({ inherited: 1 }), good()))).toBe(false);
  });
});
