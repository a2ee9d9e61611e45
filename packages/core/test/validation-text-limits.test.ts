import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../src/clock/index.js';
import { parseConfig } from '../src/config/index.js';
import { createSef } from '../src/sef/index.js';
import { ValidationError } from '../src/errors/index.js';
import { createMemoryAgentStore } from '../src/memory/agent-store.js';
import { createMemoryEventStore } from '../src/memory/event-store.js';
import { FenceRegistry } from '../src/memory/fence-registry.js';
import { createMemoryPoolStore } from '../src/memory/pool-store.js';
import { createMemoryStorage } from '../src/memory/storage.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { simulatedPools } from '../src/sim/pool-catalog.js';
import { maxIdLength, registrationIssues, textProblem, validateReports } from '../src/validation/index.js';

const now = Date.UTC(2026, 0, 1, 12);
const pool = 'us-east-1a:c5.large';
const config = parseConfig();

async function setup() {
  const clock = createFakeClock(now);
  const agents = createMemoryAgentStore({ fences: new FenceRegistry(), clock });
  const pools = createMemoryPoolStore(simulatedPools());
  await agents.create({ id: 'a1', region: 'us-east-1', poolId: pool, primaryInstanceId: 'i-p' });
  return { ctx: { config, now, pools, agents, notices: createMemoryEventStore({ fences: new FenceRegistry() }), agentId: 'a1' }, pools, agents };
}
function newSef() {
  const clock = createFakeClock(now);
  return createSef({ clock, storage: createMemoryStorage({ clock, pools: simulatedPools() }), cloud: createSimulatedCloud({ clock }) });
}
const good = (extra: Record<string, unknown> = {}) => ({ instanceId: 'i-p', poolId: pool, timestamp: now / 1000 - 60, price: 0.05, ...extra });

/** A string with at least one C0/C1 control character or DEL somewhere in it. */
const withControl = fc
  .tuple(fc.string({ maxLength: 20 }), fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f })), fc.string({ maxLength: 20 }))
  .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`);
/** Text without control characters or lone surrogates, of any length up to twice the limit. */
const clean = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 2 * maxIdLength }).filter((s) => !/[\u0000-\u001f\u007f-\u009f]/.test(s));

describe('text limits: the same for reports and registration, checked before any store', () => {
  it('a report with a NUL or another control character in an id is rejected alone, naming the field, and never reaches the pool store', async () => {
    const { ctx, pools } = await setup();
    const known = vi.spyOn(pools, 'known');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('poolId', 'instanceId'), withControl, async (field, bad) => {
        known.mockClear();
        const { accepted, rejected } = await validateReports([good(), good({ [field]: bad }), good()], ctx);
        expect(accepted).toHaveLength(2);
        expect(rejected).toEqual([{ index: 1, issues: [expect.objectContaining({ path: field, code: 'control_character' })] }]);
        for (const [ids] of known.mock.calls) expect([...ids]).not.toContain(bad);
      }),
      { numRuns: 200 },
    );
  });

  it('the report that the issue saw fail its whole batch ("poolId":"\\u0000") is rejected alone', async () => {
    const { ctx } = await setup();
    const { accepted, rejected } = await validateReports([good(), good({ poolId: '\u0000' })], ctx);
    expect(accepted).toHaveLength(1);
    expect(rejected[0]?.issues.map((i) => i.code)).toEqual(['control_character']);
  });

  it('a lone surrogate in an id is refused; a well-formed astral character is not', () => {
    expect(textProblem('i-\uD800', maxIdLength)?.code).toBe('ill_formed');
    expect(textProblem('i-\uDC00x', maxIdLength)?.code).toBe('ill_formed');
    expect(textProblem('i-\uD83D\uDE00', maxIdLength)).toBeUndefined();
  });

  it('an id is accepted by registration exactly when reports accept it as an id (length and characters agree)', async () => {
    const { ctx } = await setup();
    await fc.assert(
      fc.asyncProperty(fc.oneof(clean, withControl, fc.string({ minLength: 1, maxLength: 300 })), async (instanceId) => {
        const atRegistration = registrationIssues({ id: 'a1', instanceId, poolId: pool }).length === 0;
        const { rejected } = await validateReports([good({ instanceId })], ctx);
        const idIssues = (rejected[0]?.issues ?? []).filter((i) => i.path === 'instanceId' && i.code !== 'unknown_instance');
        expect(idIssues.length === 0).toBe(atRegistration);
        expect(atRegistration).toBe(instanceId.length <= maxIdLength && textProblem(instanceId, maxIdLength) === undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('registration names every bad field at once and asks no store', async () => {
    const sef = newSef();
    const get = vi.spyOn(sef.storage.pools, 'get');
    const error = await sef.registerAgent({ id: 'a'.repeat(129), instanceId: 'i-\u0000', poolId: '\u0000', region: 'r'.repeat(65) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => `${i.path}:${i.code}`)).toEqual(['id:too_long', 'instanceId:control_character', 'poolId:control_character', 'region:too_long']);
    expect(get).not.toHaveBeenCalled();
  });

  it('an id of 101 to 128 characters registers (the limit of every route)', async () => {
    const sef = newSef();
    const id = 'a'.repeat(maxIdLength);
    await expect(sef.registerAgent({ id, instanceId: 'i'.repeat(maxIdLength), poolId: pool })).resolves.toMatchObject({ id });
  });
});
