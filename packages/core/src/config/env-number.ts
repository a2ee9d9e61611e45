import type { Issue } from '../errors/index.js';

/**
 * The number in environment variable `name`: undefined when it is unset or blank; a value that is not a
 * finite number is added to `issues`, named by the variable.
 */
export function envNumber(env: Readonly<Record<string, string | undefined>>, name: string, issues: Issue[]): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (Number.isFinite(n)) return n;
  issues.push({ path: name, code: 'invalid_number', message: `expected a number, got ${JSON.stringify(raw)}` });
  return undefined;
}
