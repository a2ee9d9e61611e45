/** A minimal structured logger: one JSON line per entry. */
export interface Log {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * A logger writing JSON lines through `write` (stderr by default).
 * @example
 * const log = createLog(); log.warn('spool full', { dropped: 1 });
 */
export function createLog(write: (line: string) => void = (line) => process.stderr.write(line + '\n')): Log {
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) =>
    write(JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields }));
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
