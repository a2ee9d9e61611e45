// The server under benchmark, in its own process so the load generator does not share its event loop.
// Runs on whatever backends the environment names (the bench passes DATABASE_URL, SEF_PG_SCHEMA, REDIS_URL
// and SEF_REDIS_PREFIX), with the server's own rate limit (SEF_RATE_LIMIT_*, in Redis when there is one).
// Registers BENCH_AGENTS agents, each with a replica (so twins wait in the dedupe buffer), and prints one
// JSON line `{ port, agents: [{ id, primary, replica, token }] }` once it listens.
import { pino } from 'pino';
import { buildServer } from '../src/build-server.js';
import { composeFromEnv } from '../src/compose/compose.js';
import { settingsFromEnv } from '../src/compose/settings.js';

const agents = Number(process.env['BENCH_AGENTS'] ?? 8);
const settings = settingsFromEnv({ ...process.env, SEF_SIMULATE: 'cloud' });
const log = pino({ level: 'warn' });
const composition = await composeFromEnv(settings, process.env, log);
const adminToken = 'bench-admin';
const app = await buildServer({
  sef: composition.sef,
  adminToken,
  logger: log,
  rateLimit: {
    max: settings.SEF_RATE_LIMIT_MAX,
    timeWindowMs: settings.SEF_RATE_LIMIT_WINDOW * 1000,
    ...(composition.redis !== undefined ? { redis: composition.redis, nameSpace: `${settings.SEF_REDIS_PREFIX}rate-limit:` } : {}),
  },
  onAgentRegistered: composition.adoptAgent,
});
// The baseline: the same server answering a route that parses the same body and does nothing else.
app.post('/bench/noop', async (request) => ({ ok: true, n: (request.body as { reports: unknown[] }).reports.length }));
// What the bench reads between runs: SEF's counters (queue, buffer) and this process's heap.
// `?gc=1` collects garbage first (the bench starts this process with --expose-gc) so heap figures compare.
app.get('/bench/state', async (request) => {
  if ((request.query as { gc?: string }).gc === '1') (globalThis as { gc?: () => void }).gc?.();
  return { stats: await composition.sef.stats(), memory: process.memoryUsage() };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };

const registered = [];
const prefix = process.env['BENCH_AGENT_PREFIX'] ?? 'bench';
for (let i = 0; i < agents; i++) {
  const id = `${prefix}-${i}`;
  const res = await app.inject({ method: 'POST', url: '/api/agents', headers: { authorization: `Bearer ${adminToken}` }, payload: { id, instanceId: `i-${id}`, poolId: 'us-east-1a:c5.large' } });
  if (res.statusCode !== 201) throw new Error(`registering ${id}: ${res.statusCode} ${res.body}`);
  // The replica as SEF's state knows it (its role comes from SEF, never from the report).
  const agent = (await composition.sef.storage.agents.get(id))!;
  await composition.sef.storage.agents.update(id, agent.version, { replicaInstanceId: `i-${id}-r` });
  registered.push({ id, primary: `i-${id}`, replica: `i-${id}-r`, token: res.json<{ token: string }>().token });
}
process.stdout.write(`${JSON.stringify({ port, agents: registered })}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await app.close();
    await composition.close();
    process.exit(0);
  })();
});
