import { ConfigError } from '@sef/core';
import { fileURLToPath } from 'node:url';
import { buildServer } from './build-server.js';
import { composeFromEnv } from './compose/compose.js';
import { readEnvironment } from './compose/environment.js';
import { simulationBanner } from './compose/simulation-banner.js';
import { startFleetFeed } from './fleet-feed.js';
import { randomSecret } from './http/tokens.js';
import { createLogger } from './observability/logger.js';

// The SEF service: composes SEF from the environment, serves API.md on PORT (5000), drains on SIGTERM/SIGINT.
const settings = (() => {
  try {
    return readEnvironment(process.env);
  } catch (error) {
    return fail(error);
  }
})();
const log = createLogger({ level: settings.LOG_LEVEL, format: settings.SEF_LOG_FORMAT });
const adminToken = settings.SEF_ADMIN_TOKEN ?? randomSecret();

const composition = await composeFromEnv(settings, process.env, log).catch(fail);
const app = await buildServer({
  sef: composition.sef,
  adminToken,
  auth: settings.SEF_AUTH,
  logger: log,
  bodyLimit: settings.SEF_BODY_LIMIT,
  rateLimit: {
    max: settings.SEF_RATE_LIMIT_MAX,
    timeWindowMs: settings.SEF_RATE_LIMIT_WINDOW * 1000,
    ...(composition.redis !== undefined ? { redis: composition.redis, nameSpace: `${settings.SEF_REDIS_PREFIX}rate-limit:` } : {}),
  },
  ...(composition.buffer ? { buffer: composition.buffer } : {}),
  onAgentRegistered: composition.adoptAgent,
  // Where `pnpm simulate` writes its report by default.
  simulationReport: fileURLToPath(new URL('../../simulator/report/report.html', import.meta.url)),
});
await app.listen({ port: settings.PORT, host: settings.HOST }).catch(fail);

const { backends } = composition;
const shown = settings.HOST === '0.0.0.0' || settings.HOST === '::' ? 'localhost' : settings.HOST;
const base = `http://${shown}:${settings.PORT}`;
const risk = settings.SEF_RISK_MODEL_URL !== undefined ? `model ${new URL(settings.SEF_RISK_MODEL_URL).host} under ${composition.config.riskModelTimeout}s, else heuristic` : 'heuristic';
log.info({ ...backends, risk }, `SEF service listening on ${base} (storage ${backends.storage}, buffer ${backends.buffer}, leases ${backends.leases}, cloud ${backends.cloud}, risk ${risk})`);
if (!settings.SEF_AUTH) {
  const banner = '!'.repeat(72);
  process.stderr.write(`\n${banner}\n  SEF_AUTH=off: AUTHENTICATION IS DISABLED. Anyone reaching this port is admin.\n  Development only.\n${banner}\n\n`);
} else if (settings.SEF_ADMIN_TOKEN === undefined) {
  process.stdout.write(`\nNo SEF_ADMIN_TOKEN set; generated admin token for this run:\n  ${adminToken}\nDashboard: ${base}/#token=${adminToken}\n\n`);
} else {
  process.stdout.write(`\nDashboard: ${base}/ (enter the admin token)\n\n`);
}
process.stdout.write(`${simulationBanner(settings, backends)}\n\n`);

const fleet = settings.simulate.fleet ? startFleetFeed({ sef: composition.sef, log, agents: settings.SEF_FLEET_AGENTS, onAgentRegistered: composition.adoptAgent }) : undefined;

let closing = false;
async function shutdown(signal: string): Promise<void> {
  if (closing) return;
  closing = true;
  log.info(`${signal}: shutting down, draining in-flight work`);
  const timer = setTimeout(() => {
    log.error(`shutdown took longer than ${settings.SEF_SHUTDOWN_TIMEOUT}s; exiting`);
    process.exit(1);
  }, settings.SEF_SHUTDOWN_TIMEOUT * 1000);
  timer.unref();
  try {
    await fleet?.stop();
    // Fastify stops accepting, answers 503 to new requests and waits for the ones in flight.
    await app.close();
    // Then SEF stores what it accepted (buffer, queue) and the clients close.
    await composition.close();
    log.info('shutdown complete');
    process.exit(0);
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));

/** A bad configuration names every problem and exits 1; anything else is logged with its stack. */
function fail(error: unknown): never {
  if (error instanceof ConfigError) process.stderr.write(`SEF cannot start: ${error.message}\n`);
  else process.stderr.write(`SEF cannot start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
