import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** `SEF_LOG_FORMAT`: readable lines on a terminal, JSON lines for a log collector, or decided by the output. */
export type LogFormat = 'auto' | 'pretty' | 'json';

export interface LoggerOptions {
  readonly level: Level | 'silent';
  /** @default 'auto': `pretty` when the output is a terminal (TTY), `json` otherwise */
  readonly format?: LogFormat;
  /** Where the lines go. @default process.stdout */
  readonly destination?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `auto` resolved against the output: a terminal gets readable lines. */
export const resolveLogFormat = (format: LogFormat, output: { isTTY?: boolean }): 'pretty' | 'json' =>
  format === 'auto' ? (output.isTTY === true ? 'pretty' : 'json') : format;

/**
 * The service's pino logger: JSON lines (pino's format) or, on a terminal, pino-pretty's readable lines
 * (time, level, message, then the fields), formatted in-process and written synchronously so nothing is lost
 * on exit.
 * @example
 * const log = createLogger({ level: 'info', format: 'auto' });
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const format = resolveLogFormat(options.format ?? 'auto', destination);
  if (format === 'json') return options.destination === undefined ? pino({ level: options.level }) : pino({ level: options.level }, options.destination as DestinationStream);
  const stream = pretty({ destination, sync: true, colorize: destination.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino({ level: options.level }, stream);
}
