// The server under benchmark, in its own process so the load generator does not share its event loop.
// Prints one JSON line `{ port, adminToken, agents: [{ id, instanceId, token }] }` once it listens.
import { pino } from 'pino';
import { buildServer } from '../src/build-server.js';
import { composeFromEnv } from '../src/compose/compose.js';
import { settingsFromEnv } from '../src/compose/settings.js';

const agents = Number(process.env['BENCH_AGENTS'] ?? 8);
const settings = settingsFromEnv({ ...process.env, SEF_SIMULATE: 'cloud' });
const log = pino({ level: 'warn' });
const composition = await composeFromEnv(settings, process.env, log);
const adminToken = 'bench-admin';
const app = await buildServer({ sef: composition.sef, adminToken, logger: log, rateLimit: { max: 1e9 }, onAgentRegistered: composition.adoptAgent });
// The baselines: the same server answering routes that do nothing (one of them parses the same body).
app.get('/bench/noop', async () => ({ ok: true }));
app.post('/bench/noop', async (request) => ({ ok: true, n: (request.body as { reports: unknown[] }).reports.length }));
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };

const registered = [];
for (let i = 0; i < agents; i++) {
  const id = `bench-${i}`;
  const res = await app.inject({ method: 'POST', url: '/api/agents', headers: { authorization: `Bearer ${adminToken}` }, payload: { id, instanceId: `i-${id}`, poolId: 'us-east-1a:c5.large' } });
  registered.push({ id, instanceId: `i-${id}`, token: res.json<{ token: string }>().token });
}
process.stdout.write(`${JSON.stringify({ port, adminToken, agents: registered })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    const stats = await (composition.sef as unknown as { stats?: () => Promise<unknown> }).stats?.();
    process.stderr.write(`server stats: ${JSON.stringify(stats)}\n`);
    await app.close();
    await composition.close();
    process.exit(0);
  })();
});
