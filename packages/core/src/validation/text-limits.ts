import type { Issue } from '../errors/index.js';

/** Longest id (agent, instance, pool) SEF accepts anywhere: reports, registration, every route. */
export const maxIdLength = 128;

/** Longest region name accepted at registration. */
export const maxRegionLength = 64;

/**
 * Latest time SEF accepts, in unix seconds (9999-12-31T23:59:59Z): every store can hold it (Postgres'
 * `timestamptz`, a JS `Date`), so an absurd time is refused as input instead of failing in a driver.
 */
export const maxUnixSeconds = 253_402_300_799;

// C0 controls (NUL included), DEL and C1 controls: no id or name carries them, and Postgres refuses NUL.
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a text field (an id, a pool, a region) cannot be accepted, or undefined when it can: longer than
 * `maxLength`, a control character (NUL included), or a lone UTF-16 surrogate that no store could keep
 * as it was sent. Callers turn the reason into an {@link Issue} at their own path.
 */
export function textProblem(value: string, maxLength: number): Pick<Issue, 'code' | 'message'> | undefined {
  if (value.length > maxLength) return { code: 'too_long', message: `must be at most ${maxLength} characters (got ${value.length})` };
  if (controlCharacter.test(value)) return { code: 'control_character', message: 'must not contain control characters (NUL included)' };
  if (loneSurrogate.test(value)) return { code: 'ill_formed', message: 'must be well-formed Unicode (a lone surrogate was found)' };
  return undefined;
}

/** Whether `value` passes {@link textProblem}; the cheap test of the fast path. */
export const isAcceptableText = (value: string, maxLength: number): boolean =>
  value.length <= maxLength && !controlCharacter.test(value) && !loneSurrogate.test(value);

/** The issue of one text field at `path`, pushed onto `issues`; returns whether the field was acceptable. */
export function checkText(value: string, path: string, maxLength: number, issues: Issue[]): boolean {
  const problem = textProblem(value, maxLength);
  if (problem === undefined) return true;
  issues.push({ path, ...problem });
  return false;
}
