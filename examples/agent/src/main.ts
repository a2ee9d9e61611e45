import { ConfigError } from '@sef/core';
import { helpText, parseConfig } from './config.js';
import { startAgent } from './agent.js';
import { createLog } from './log.js';

let config;
try {
  config = parseConfig(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n\n${helpText}`);
  process.exit(2);
}
if (config === 'help') {
  process.stdout.write(helpText);
  process.exit(0);
}
const log = createLog({ level: config.logLevel, format: config.logFormat });
// Signals are handled from the start: an agent still waiting for IMDS stops cleanly too.
const starting = new AbortController();
let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
const shutdown = (signal: string) => {
  log.info('stopping', { signal });
  if (!agent) {
    starting.abort(new Error(`${signal} before the agent started`));
    return;
  }
  agent.stop().then(() => process.exit(0), (error: unknown) => {
    log.error('stop failed', { error: String(error) });
    process.exit(1);
  });
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
try {
  agent = await startAgent(config, { log, signal: starting.signal });
} catch (error) {
  if (!starting.signal.aborted) throw error;
  process.exit(0);
}
