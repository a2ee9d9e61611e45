import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { buildServer } from '../../../server/src/build-server.js';
import { composeFromEnv, type Composition } from '../../../server/src/compose/compose.js';
import { settingsFromEnv } from '../../../server/src/compose/settings.js';

type FastifyInstance = Awaited<ReturnType<typeof buildServer>>;
const quiet = pino({ level: 'silent' });

/** The example server on loopback, embedded composition, whose HTTP side can stop and restart on the same port. */
export interface TestServer {
  readonly url: string;
  readonly adminToken: string;
  readonly composition: Composition;
  /** Registers an agent; returns its token. */
  register(id: string, instanceId: string, poolId: string): Promise<string>;
  /** Stops answering (port closed); storage and SEF stay. */
  stopHttp(): Promise<void>;
  /** Listens again on the same port with the same SEF and storage. */
  startHttp(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  // A one-second dedupe window, so `flush` stores the reports of the test a second after they arrive.
  const env = { SEF_SIMULATE: 'cloud', SEF_SIM_LATENCY: 'zero', SEF_DATA_RETENTION_WINDOW: '1', SEF_CLEANUP_INTERVAL: '1' };
  const composition = await composeFromEnv(settingsFromEnv(env), env, quiet);
  const adminToken = `admin-${randomUUID()}`;
  let app: FastifyInstance | undefined;
  let port = 0;
  const listen = async () => {
    app = await buildServer({ sef: composition.sef, adminToken, logger: quiet, rateLimit: false, onAgentRegistered: composition.adoptAgent });
    await app.listen({ port, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  };
  await listen();
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    adminToken,
    composition,
    async register(id, instanceId, poolId) {
      const res = await fetch(`${url}/api/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, instanceId, poolId }),
      });
      if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { token: string }).token;
    },
    async stopHttp() {
      await app?.close();
      app = undefined;
    },
    startHttp: listen,
    async close() {
      await app?.close();
      await composition.close();
    },
  };
}

/** Waits (real time) until `check` holds. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
