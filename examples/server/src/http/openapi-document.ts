import { pino } from 'pino';
import { buildServer } from '../build-server.js';
import { composeFromEnv } from '../compose/compose.js';
import { settingsFromEnv } from '../compose/settings.js';

/** Where the committed document lives, from the repository root. */
export const openApiPath = 'docs/openapi.json';

/**
 * The service's OpenAPI document as committed (`pnpm openapi` writes it): built from a server on
 * in-memory stores, since the routes and their schemas do not depend on the backends.
 * @example
 * writeFileSync(openApiPath, await openApiDocumentText());
 */
export async function openApiDocumentText(): Promise<string> {
  const env = { SEF_SIMULATE: 'cloud', SEF_SIM_LATENCY: 'zero' };
  const log = pino({ level: 'silent' });
  const composition = await composeFromEnv(settingsFromEnv(env), env, log);
  try {
    const app = await buildServer({ sef: composition.sef, adminToken: 'unused', logger: log, rateLimit: false });
    await app.ready();
    const text = `${JSON.stringify(app.swagger(), null, 2)}\n`;
    await app.close();
    return text;
  } finally {
    await composition.close();
  }
}
