import { z } from 'zod';
import type { Issue } from '../errors/index.js';

/** Longest key or message quoted back in an issue, so a hostile report cannot blow up the response. */
const maxQuoted = 64;

/**
 * The shape of a raw report: types only. Ranges and lookups are checked by hand afterwards, because a
 * zod refinement costs an order of magnitude more than the shape alone (PERF.md).
 * `agentId` is optional: the HTTP API names the agent in the path instead.
 */
export const reportShape = z.strictObject({
  agentId: z.string().optional(),
  instanceId: z.string(),
  poolId: z.string(),
  timestamp: z.number(),
  price: z.number(),
});

/**
 * The common case, checked by hand first: a plain object with exactly the known fields, of the right types.
 * When it says yes, the zod shape says yes too (a property test holds them together); when it says no,
 * zod runs to name every problem. This keeps zod's cost off the hot path of valid reports.
 */
export function hasPlainShape(input: unknown): boolean {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const proto: unknown = Object.getPrototypeOf(input);
  if (proto !== Object.prototype && proto !== null) return false;
  const o = input as Record<string, unknown>;
  let fields = 4;
  if (o['agentId'] !== undefined) {
    if (typeof o['agentId'] !== 'string') return false;
    fields = 5;
  }
  const ts = o['timestamp'];
  const price = o['price'];
  return (
    typeof o['instanceId'] === 'string' &&
    typeof o['poolId'] === 'string' &&
    typeof ts === 'number' &&
    Number.isFinite(ts) &&
    typeof price === 'number' &&
    Number.isFinite(price) &&
    Object.keys(o).length === fields
  );
}

const quote = (s: string): string => JSON.stringify(s.length > maxQuoted ? `${s.slice(0, maxQuoted)}…` : s);

/** The shape problems of `input`, every one of them, as SEF issues with bounded messages. */
export function shapeIssues(input: unknown): Issue[] {
  const result = reportShape.safeParse(input);
  if (result.success) return [];
  const issues: Issue[] = [];
  for (const i of result.error.issues) {
    const path = i.path.map((p) => (typeof p === 'string' ? p.slice(0, maxQuoted) : String(p))).join('.');
    if (i.code === 'unrecognized_keys') {
      const keys = i.keys.slice(0, 5).map(quote).join(', ');
      const more = i.keys.length > 5 ? ` and ${i.keys.length - 5} more` : '';
      issues.push({ path, code: 'unrecognized_keys', message: `unknown field(s) ${keys}${more}` });
    } else if (i.code === 'invalid_type') {
      const expected = i.expected === 'number' ? 'a finite number' : i.expected;
      issues.push({ path, code: 'invalid_type', message: `expected ${expected}` });
    } else {
      issues.push({ path, code: i.code, message: i.message.slice(0, 200) });
    }
  }
  return issues;
}
