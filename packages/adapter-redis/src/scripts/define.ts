import type { Redis } from 'ioredis';

/** A Lua script registered on the client with `defineCommand` (EVALSHA, EVAL on a cache miss). */
export type ScriptCall = (numberOfKeys: number, ...args: (string | number | Buffer)[]) => Promise<unknown>;

interface ScriptSource {
  readonly name: string;
  readonly lua: string;
}

/**
 * Registers `script` on the caller's client once and returns a typed caller. The names start with `sef`
 * so they cannot clash with the caller's own commands; the key count is passed per call.
 */
export function defineScript(client: Redis, script: ScriptSource): ScriptCall {
  const commands = client as unknown as Record<string, ScriptCall | undefined>;
  if (typeof commands[script.name] !== 'function') client.defineCommand(script.name, { lua: script.lua });
  const call = commands[script.name];
  if (call === undefined) throw new Error(`ioredis did not define ${script.name}`);
  return call.bind(client);
}
