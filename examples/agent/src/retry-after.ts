/**
 * A `Retry-After` header in ms from `now`: delay-seconds (`120`) or an HTTP-date (`Wed, 21 Oct 2015
 * 07:28:00 GMT`, a date in the past is 0). Undefined when absent or neither form.
 * @example
 * parseRetryAfter(response.headers.get('retry-after'), Date.now()); // 'Retry-After: 2' -> 2000
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) && /[a-z]/i.test(value) ? Math.max(0, at - now) : undefined;
}
