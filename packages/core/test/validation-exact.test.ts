import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '../src/config/index.js';
import type { AgentRecord } from '../src/ports/types.js';
import {
  checkText, hasPlainShape, isAcceptableText, maxIdLength, registrationIssues, shapeIssues, textProblem, validateReports, zodIssues,
  type ValidationContext,
} from '../src/validation/index.js';

// The exact issues a client reads (path, code, message), edge by edge: the messages are part of the API,
// and every value exactly on a limit is accepted on both the fast and the slow path.

const now = Date.UTC(2026, 0, 1, 12);
const nowSec = now / 1000;
const config = parseConfig();
const POOL = 'us-east-1a:c5.large';

const agent = (id: string, primary: string, replica: string | null = null): AgentRecord =>
  ({ id, primaryInstanceId: primary, replicaInstanceId: replica }) as AgentRecord;

/** Stores that answer from fixed sets and record every question asked of them. */
function context(options: { agentId?: string; pools?: string[]; agents?: AgentRecord[] } = {}) {
  const pools = new Set(options.pools ?? [POOL]);
  const agents = new Map((options.agents ?? [agent('a1', 'i-p', 'i-r'), agent('a2', 'i-a2')]).map((a) => [a.id, a]));
  const asked = { pools: [] as string[][], agents: [] as unknown[] };
  const ctx: ValidationContext = {
    config, now,
    notices: { listSignals: async () => [] },
    pools: { known: async (ids) => { asked.pools.push([...ids]); return new Set(ids.filter((id) => pools.has(id))); } },
    agents: { get: async (id) => { asked.agents.push(id); return agents.get(id); } },
    ...(options.agentId === undefined ? {} : { agentId: options.agentId }),
  };
  return { ctx, asked };
}

const good = (extra: Record<string, unknown> = {}) => ({ instanceId: 'i-p', poolId: POOL, timestamp: nowSec - 60, price: 0.0456, ...extra });
/** A report that takes the slow path for a reason unrelated to the field under test (an unknown field). */
const slow = (extra: Record<string, unknown> = {}) => good({ note: 1, ...extra });
const unknownNote = { path: '', code: 'unrecognized_keys', message: 'unknown field(s) "note"' };

async function issuesOf(report: unknown, options: Parameters<typeof context>[0] = { agentId: 'a1' }) {
  const { rejected } = await validateReports([report], context(options).ctx);
  return rejected[0]?.issues;
}

describe('validation: the exact issues', () => {
  it('names shape problems with bounded messages: types, unknown fields (at most 5 quoted, at most 64 characters each)', async () => {
    expect(await issuesOf({ instanceId: 7, poolId: POOL, timestamp: '1', price: Number.NaN })).toEqual([
      { path: 'instanceId', code: 'invalid_type', message: 'expected string' },
      { path: 'timestamp', code: 'invalid_type', message: 'expected a finite number' },
      { path: 'price', code: 'invalid_type', message: 'expected a finite number' },
    ]);
    const long = 'k'.repeat(65);
    expect(shapeIssues({ ...good(), [long]: 1, ['j'.repeat(64)]: 1 })).toEqual([
      { path: '', code: 'unrecognized_keys', message: `unknown field(s) "${'k'.repeat(64)}…", "${'j'.repeat(64)}"` },
    ]);
    const seven = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, 1]));
    expect(shapeIssues({ ...good(), ...seven })).toEqual([{ path: '', code: 'unrecognized_keys', message: 'unknown field(s) "a", "b", "c", "d", "e" and 2 more' }]);
    const five = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((k) => [k, 1]));
    expect(shapeIssues({ ...good(), ...five })).toEqual([{ path: '', code: 'unrecognized_keys', message: 'unknown field(s) "a", "b", "c", "d", "e"' }]);
    expect(shapeIssues({ ...good(), ...five, f: 1 })[0]!.message).toBe('unknown field(s) "a", "b", "c", "d", "e" and 1 more');
    expect(await issuesOf(null)).toEqual([{ path: '', code: 'invalid_type', message: 'expected object' }]);
    expect(await issuesOf(['x'])).toEqual([{ path: '', code: 'invalid_type', message: 'expected object' }]);
  });

  it('a value of the wrong type is named once: no range check runs on it (numeric strings, NaN, Infinity)', async () => {
    expect(await issuesOf(good({ price: '99999' }))).toEqual([{ path: 'price', code: 'invalid_type', message: 'expected a finite number' }]);
    expect(await issuesOf(good({ price: Number.POSITIVE_INFINITY }))).toEqual([{ path: 'price', code: 'invalid_type', message: 'expected a finite number' }]);
    expect(await issuesOf(good({ timestamp: String(nowSec + 10_000) }))).toEqual([{ path: 'timestamp', code: 'invalid_type', message: 'expected a finite number' }]);
    expect(await issuesOf(good({ timestamp: '0' }))).toEqual([{ path: 'timestamp', code: 'invalid_type', message: 'expected a finite number' }]);
  });

  it('range messages name the limits; values exactly on a limit pass on the slow path too', async () => {
    const { minPrice, maxPrice, maxClockSkew, maxReportAge } = config;
    expect(await issuesOf(good({ price: maxPrice * 2 }))).toEqual([
      { path: 'price', code: 'price_out_of_range', message: `must be greater than ${minPrice} and at most ${maxPrice}` },
    ]);
    expect(await issuesOf(good({ timestamp: nowSec + maxClockSkew + 1 }))).toEqual([
      { path: 'timestamp', code: 'timestamp_in_future', message: `lies more than ${maxClockSkew} s in the future` },
    ]);
    expect(await issuesOf(good({ timestamp: nowSec - maxReportAge - 1 }))).toEqual([
      { path: 'timestamp', code: 'timestamp_too_old', message: `is older than ${maxReportAge} s` },
    ]);
    for (const edge of [{ price: maxPrice }, { timestamp: nowSec + maxClockSkew }, { timestamp: nowSec - maxReportAge }]) {
      expect(await issuesOf(slow(edge))).toEqual([unknownNote]);
    }
  });

  it('ids: too long, control characters and lone surrogates, each at its own path; 128 characters is still an id', async () => {
    const { ctx } = context({ agentId: 'a1', pools: [POOL, 'p'.repeat(129)] });
    const { rejected } = await validateReports([good({ poolId: 'p'.repeat(129) }), good({ instanceId: 'i\u0000' }), good({ agentId: 'a1\uD800' })], ctx);
    expect(rejected.map((r) => r.issues)).toEqual([
      [{ path: 'poolId', code: 'id_too_long', message: 'must be at most 128 characters (got 129)' }],
      [{ path: 'instanceId', code: 'control_character', message: 'must not contain control characters (NUL included)' }],
      [
        { path: 'agentId', code: 'ill_formed', message: 'must be well-formed Unicode (a lone surrogate was found)' },
        { path: 'agentId', code: 'agent_mismatch', message: 'differs from the agent the batch was sent for' },
      ],
    ]);
    const id = 'i'.repeat(maxIdLength);
    const longPrimary = context({ agentId: 'a9', agents: [agent('a9', id)] });
    expect(await validateReports([good({ instanceId: id })], longPrimary.ctx)).toMatchObject({ rejected: [], accepted: [{ instanceId: id, role: 'primary' }] });
  });

  it('the agent: required when the batch names none, must match the batch when it does, must be registered', async () => {
    expect(await issuesOf(good(), {})).toEqual([{ path: 'agentId', code: 'missing_agent', message: 'is required when the batch names no agent' }]);
    // The instance is judged against the batch's agent, whose it is not.
    expect(await issuesOf(good({ agentId: 'a2', instanceId: 'i-a2' }))).toEqual([
      { path: 'agentId', code: 'agent_mismatch', message: 'differs from the agent the batch was sent for' },
      { path: 'instanceId', code: 'unknown_instance', message: "is neither the agent's current primary nor its replica" },
    ]);
    expect(await issuesOf(slow())).toEqual([unknownNote]);
    expect(await issuesOf(slow({ agentId: 'a1' }))).toEqual([unknownNote]);
    expect(await issuesOf(good({ agentId: 'zz' }), {})).toEqual([{ path: 'agentId', code: 'unknown_agent', message: 'is not a registered agent' }]);
    expect(await issuesOf(good({ agentId: 'a1', instanceId: 'i-x' }), {})).toEqual([
      { path: 'instanceId', code: 'unknown_instance', message: "is neither the agent's current primary nor its replica" },
    ]);
    expect(await issuesOf(good({ poolId: 'nowhere:x' }))).toEqual([{ path: 'poolId', code: 'unknown_pool', message: 'is not a known pool' }]);
  });

  it('reports that name their own agent are accepted without a batch agent, on the fast path', async () => {
    const { ctx } = context();
    const { accepted, rejected } = await validateReports([good({ agentId: 'a1' }), good({ agentId: 'a2', instanceId: 'i-a2' }), good({ agentId: 'a1', instanceId: 'i-r' })], ctx);
    expect(rejected).toEqual([]);
    expect(accepted.map((r) => `${r.agentId}/${r.instanceId}/${r.role}`)).toEqual(['a1/i-p/primary', 'a2/i-a2/primary', 'a1/i-r/replica']);
  });

  it('asks the stores once per batch, only for ids that passed their own checks, and not at all when there are none', async () => {
    const { ctx, asked } = context({ agentId: 'a1' });
    await validateReports([good(), good({ poolId: 'p\u0000' }), good({ poolId: 5 }), good({ instanceId: 'i-r', poolId: 'us-east-1b:c5.large' })], ctx);
    expect(asked.pools).toEqual([[POOL, 'us-east-1b:c5.large']]);
    expect(asked.agents).toEqual(['a1']);
    const none = context();
    await validateReports([{ poolId: 3 }, null], none.ctx);
    expect(none.asked).toEqual({ pools: [], agents: [] });
    // Without a batch agent: a report without one, or with a bad one, never reaches the agent store.
    const own = context();
    const { accepted } = await validateReports([good(), good({ agentId: 'a1\u0000' }), good({ agentId: 'a1' }), good({ agentId: 'a2', instanceId: 'i-a2' })], own.ctx);
    expect(own.asked.agents).toEqual(['a1', 'a2']);
    expect(accepted.map((r) => r.agentId)).toEqual(['a1', 'a2']);
    // A report naming the batch's own agent is a plain, accepted report.
    expect(await validateReports([good({ agentId: 'a1' })], context({ agentId: 'a1' }).ctx)).toMatchObject({ rejected: [], accepted: [{ agentId: 'a1', role: 'primary' }] });
  });

  it('never rejects a report without a reason, and accepts exactly the reports with none (property)', async () => {
    const id = fc.oneof(fc.constantFrom('a1', 'a2', 'zz', 'i-p', 'i-r', 'i-a2', POOL, 'nowhere:x', 'x\u0000', 'y'.repeat(129)), fc.string({ maxLength: 3 }));
    const value = fc.oneof(id, fc.double(), fc.constantFrom(nowSec, nowSec - 60, nowSec + 301, 0.05, -1), fc.constant(null));
    const report = fc.oneof(
      fc.record({ agentId: value, instanceId: value, poolId: value, timestamp: value, price: value, note: value }, { requiredKeys: [] }),
      // A valid report of a1 or a2, with or without its agent, with at most one field changed.
      fc.tuple(fc.constantFrom(good(), good({ agentId: 'a1' }), good({ agentId: 'a2', instanceId: 'i-a2' })), fc.option(fc.tuple(fc.constantFrom('agentId', 'instanceId', 'poolId', 'timestamp', 'price'), value)))
        .map(([base, change]) => (change === null ? base : { ...base, [change[0]]: change[1] })),
      value,
    );
    await fc.assert(
      fc.asyncProperty(fc.array(report, { maxLength: 8 }), fc.constantFrom(undefined, 'a1', 'a2'), async (reports, agentId) => {
        const { accepted, rejected } = await validateReports(reports, context(agentId === undefined ? {} : { agentId }).ctx);
        expect(accepted.length + rejected.length).toBe(reports.length);
        for (const r of rejected) expect(r.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a hostile report (a throwing getter) is rejected as unreadable, alone', async () => {
    const hostile = new Proxy({}, { get: () => { throw new Error('boom'); }, ownKeys: () => { throw new Error('boom'); } });
    const { ctx } = context({ agentId: 'a1' });
    const { accepted, rejected } = await validateReports([hostile, good()], ctx);
    expect(rejected).toEqual([{ index: 0, issues: [{ path: '', code: 'invalid_report', message: 'could not be read' }] }]);
    expect(accepted).toHaveLength(1);
  });
});

describe('validation: the building blocks', () => {
  it('hasPlainShape says yes to exactly the plain objects of the five fields with the right types', () => {
    expect(hasPlainShape(good())).toBe(true);
    expect(hasPlainShape(good({ agentId: 'a1' }))).toBe(true);
    expect(hasPlainShape(Object.assign(Object.create(null) as object, good()))).toBe(true);
    expect(hasPlainShape(good({ agentId: 1 }))).toBe(false);
    expect(hasPlainShape(good({ agentId: undefined, extra: 1 }))).toBe(false);
    expect(hasPlainShape(Object.assign(new (class Report {})(), good()))).toBe(false);
    expect(hasPlainShape(good({ timestamp: Number.NaN }))).toBe(false);
    expect(hasPlainShape(good({ price: Number.NEGATIVE_INFINITY }))).toBe(false);
  });

  it('text limits: the reason for each kind of bad text, and the same verdict from every helper', () => {
    expect(textProblem('x'.repeat(11), 10)).toEqual({ code: 'too_long', message: 'must be at most 10 characters (got 11)' });
    expect(textProblem('a\u007fb', 10)).toEqual({ code: 'control_character', message: 'must not contain control characters (NUL included)' });
    expect(textProblem('\uDC00', 10)).toEqual({ code: 'ill_formed', message: 'must be well-formed Unicode (a lone surrogate was found)' });
    for (const [value, ok] of [['x'.repeat(10), true], ['x'.repeat(11), false], ['\u0000', false], ['\uD83D\uDE00', true]] as const) {
      expect(isAcceptableText(value, 10)).toBe(ok);
      const issues: { path: string }[] = [];
      expect(checkText(value, 'f', 10, issues as never)).toBe(ok);
      expect(issues.map((i) => i.path)).toEqual(ok ? [] : ['f']);
    }
  });

  it('registration: every field checked, missing and empty ones named, the region optional but bounded', () => {
    expect(registrationIssues({ id: '', instanceId: 5, poolId: undefined })).toEqual([
      { path: 'id', code: 'invalid_type', message: 'expected a non-empty string' },
      { path: 'instanceId', code: 'invalid_type', message: 'expected a non-empty string' },
      { path: 'poolId', code: 'invalid_type', message: 'expected a non-empty string' },
    ]);
    expect(registrationIssues({ id: 'a', instanceId: 'i', poolId: 'p', region: 'r'.repeat(65) })).toEqual([
      { path: 'region', code: 'too_long', message: 'must be at most 64 characters (got 65)' },
    ]);
    expect(registrationIssues({ id: 'a', instanceId: 'i', poolId: 'p', region: 'us-east-1' })).toEqual([]);
  });

  it('zod issues keep their dotted path, code and message', () => {
    const result = z.object({ a: z.array(z.object({ b: z.number() })) }).safeParse({ a: [{ b: 'x' }] });
    expect(zodIssues(result.error!)).toEqual([{ path: 'a.0.b', code: 'invalid_type', message: 'Invalid input: expected number, received string' }]);
  });
});
