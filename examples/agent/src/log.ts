import { pino, type DestinationStream, type Level } from 'pino';
import pretty from 'pino-pretty';

/** The agent's logger: pino, as the SEF service; `msg` first, then the structured fields. */
export interface Log {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LogOptions {
  /** @default 'info' (`LOG_LEVEL`) */
  readonly level?: Level | 'silent';
  /** `pretty` (pino-pretty), `json` lines, or `auto`: pretty when the output is a terminal (`SEF_LOG_FORMAT`). @default 'auto' */
  readonly format?: 'auto' | 'pretty' | 'json';
  /** Where the lines go (a test's sink). @default process.stderr */
  readonly destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * The agent's pino logger, in the same format as the SEF service's (`examples/server`, `createLogger`):
 * pino's JSON lines, or pino-pretty's readable lines on a terminal; written to stderr synchronously.
 * @example
 * const log = createLog({ level: process.env.LOG_LEVEL, format: 'auto' }); log.warn('spool full', { dropped: 1 });
 */
export function createLog(options: LogOptions = {}): Log {
  const destination = options.destination ?? process.stderr;
  const format = options.format === undefined || options.format === 'auto' ? (destination.isTTY === true ? 'pretty' : 'json') : options.format;
  const stream: DestinationStream =
    format === 'pretty'
      ? pretty({ destination, sync: true, colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
      : (destination as DestinationStream);
  const logger = pino({ level: options.level ?? 'info', name: 'sef-agent' }, stream);
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields: Record<string, unknown> = {}) => logger[level](fields, msg);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
