import { ConfigError } from '@sef/core';
import { helpText, parseConfig } from './config.js';
import { startAgent } from './agent.js';
import { createLog } from './log.js';

const log = createLog();
let config;
try {
  config = parseConfig(process.argv.slice(2), process.env);
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError || error instanceof TypeError ? error.message : String(error)}\n\n${helpText}`);
  process.exit(2);
}
if (config === 'help') {
  process.stdout.write(helpText);
  process.exit(0);
}
const agent = await startAgent(config, { log });
const shutdown = (signal: string) => {
  log.info('stopping', { signal });
  agent.stop().then(() => process.exit(0), (error: unknown) => {
    log.error('stop failed', { error: String(error) });
    process.exit(1);
  });
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
