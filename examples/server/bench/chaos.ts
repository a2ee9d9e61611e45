// The figures of issue 13's chaos runs, at full counts (test/chaos.test.ts runs fewer):
//   node --conditions=@sef/source --import tsx bench/chaos.ts   (pnpm chaos, from examples/server)
// Three server processes on one moto (through the EC2 proxy), a private Redis and Postgres (SEF_TEST_POSTGRES_URL).
// 1. failovers per notice: NOTICES notices with instanceId and NOTICES without, COPIES copies each over the
//    3 processes (3 at once, the rest after the failover), WAVE agents at a time;
// 2. KILLS kills -9 of the lease holder mid-failover, at the steps in turn: notices ended, and the time from
//    the kill to the first step a surviving process saved (resume) and to the notice's end;
// 3. leaked instances after each run: SEF-tagged instances running that no stored state refers to, once the
//    interrupted primaries are gone, and again after a reconciliation sweep had its chance.
import { startChaosCluster, type ChaosCluster, type NoticeAudit } from '../test/support/chaos-cluster.js';
import { until } from '../test/support/http-client.js';

const env = process.env;
const notices = Number(env['NOTICES'] ?? 50);
const copies = Number(env['COPIES'] ?? 5);
const kills = Number(env['KILLS'] ?? 10);
const waveSize = Number(env['WAVE'] ?? 10);
const postgresUrl = env['SEF_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const killSteps = ['snapshot', 'choose_pool', 'launch', 'restore', 'reroute'];

const withId = Array.from({ length: notices }, (_, k) => `w${k}`);
const withoutId = Array.from({ length: notices }, (_, k) => `n${k}`);
// Kill rounds whose step was over before it was seen are retried with a spare agent.
const killAgents = Array.from({ length: kills * 2 }, (_, k) => `k${k}`);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 'none' : `min ${s[0]!.toFixed(0)} / median ${s[Math.floor(s.length / 2)]!.toFixed(0)} / max ${s.at(-1)!.toFixed(0)} ms`;
};

async function leaksAfter(c: ChaosCluster, interrupted: string[]): Promise<{ atEnd: number; afterSweep: number }> {
  await c.interrupt(interrupted);
  const atEnd = (await c.leaks()).leaked.length;
  // The sweep runs every second and leaves instances younger than SEF_ORPHAN_MIN_AGE (10 s) alone.
  const afterSweep = atEnd === 0 ? 0 : await until('sweep', async () => ((await c.leaks()).leaked.length === 0 ? 0 : undefined), 30_000, 500).catch(async () => (await c.leaks()).leaked.length);
  return { atEnd, afterSweep };
}

function perNotice(audits: NoticeAudit[]): string {
  const count = (f: (a: NoticeAudit) => number) => {
    const by = new Map<number, number>();
    for (const a of audits) by.set(f(a), (by.get(f(a)) ?? 0) + 1);
    return [...by].sort((a, b) => a[0] - b[0]).map(([n, k]) => `${k}×${n}`).join(', ');
  };
  const ended = audits.filter((a) => a.success !== null).length;
  const failed = audits.filter((a) => a.success === false).map((a) => `${a.id}: ${a.reason}`);
  const extra = audits.filter((a) => a.launches > 1 || a.tagged > 1 || a.promotions !== 1 || a.completions !== 1).map((a) => `${a.id}: ${a.launches} launches by token, ${a.tagged} by tag, ${a.promotions} promotions, ${a.completions} completions`);
  if (extra.length > 0) console.error(`not one failover: ${extra.join('; ')}`);
  return `ended ${ended}/${audits.length}; completion events per notice ${count((a) => a.completions)}; promoted relaunches ${count((a) => a.promotions)}; moto launches by ClientToken ${count((a) => a.launches)}, by sef:cause tag ${count((a) => a.tagged)}${failed.length ? `; failed: ${failed.join('; ')}` : ''}`;
}

/** One wave: every agent's notice, `copies` copies over the 3 processes, 3 at once and the rest after the failover. */
async function wave(c: ChaosCluster, agents: string[], named: boolean) {
  const regs = new Map<string, { token: string; primary: string }>();
  for (const a of agents) regs.set(a, await c.register(a));
  const noticeTime = nowSeconds();
  const send = (agent: string, copy: number, k: number) =>
    c.api((k + copy) % 3).post<{ notice_id: string; duplicate: boolean }>(`/api/agents/${agent}/interruption`,
      { signal_type: 'termination-notice', notice_time: noticeTime, ...(named ? { instanceId: regs.get(agent)!.primary } : {}) }, regs.get(agent)!.token);
  const early = Math.min(3, copies);
  const first = await Promise.all(agents.flatMap((a, k) => Array.from({ length: early }, (_, copy) => send(a, copy, k))));
  const ids = agents.map((_, k) => first[k * early]!.body.notice_id);
  await Promise.all(agents.map((a, k) => c.ended(a, ids[k]!, 180_000)));
  const late = await Promise.all(agents.flatMap((a, k) => Array.from({ length: copies - early }, (_, copy) => send(a, early + copy, k))));
  return { answers: [...first, ...late], ids, primaries: agents.map((a) => regs.get(a)!.primary) };
}

async function duplicates(c: ChaosCluster, agents: string[], named: boolean) {
  const callsBefore = new Map(c.proxy.calls);
  const answers: Awaited<ReturnType<typeof wave>>['answers'] = [];
  const ids: string[] = [];
  const primaries: string[] = [];
  // Waves of `WAVE` agents: the copies of a notice are concurrent; the emulator is not sized for 50 emergencies at once.
  for (let k = 0; k < agents.length; k += waveSize) {
    const w = await wave(c, agents.slice(k, k + waveSize), named);
    answers.push(...w.answers);
    ids.push(...w.ids);
    primaries.push(...w.primaries);
  }
  const distinct = new Set(answers.map((r) => r.body.notice_id)).size;
  const created = answers.filter((r) => r.status === 202 && !r.body.duplicate).length;
  const perNoticeCalls = c.callsPerNotice(callsBefore, ids.length);
  const audits = await c.audit(ids);
  const leaks = await leaksAfter(c, primaries);
  console.log(`EC2 calls per notice (${named ? 'with' : 'without'} instanceId, the sweeps' DescribeInstances included): ${JSON.stringify(perNoticeCalls)}`);
  console.log(`| failovers per notice, ${named ? 'with' : 'without'} instanceId | ${agents.length} notices × ${copies} copies × 3 processes in waves of ${waveSize} (${answers.length} requests, ${answers.filter((r) => r.status === 202).length} answered 202): ${distinct} notice ids, ${created} answered "new"; ${perNotice(audits)} | leaked ${leaks.atEnd} at the end, ${leaks.afterSweep} after a sweep |`);
}

async function killRounds(c: ChaosCluster) {
  const ids: string[] = [];
  const interrupted: string[] = [];
  const resume: number[] = [];
  const end: number[] = [];
  let done = 0;
  let missed = 0;
  for (const agent of killAgents) {
    if (done >= kills) break;
    const step = killSteps[done % killSteps.length]!;
    const { token, primary } = await c.register(agent);
    interrupted.push(primary);
    const ack = await c.api(done % 3).post<{ notice_id: string }>(`/api/agents/${agent}/interruption`, { signal_type: 'termination-notice', instanceId: primary, notice_time: nowSeconds() }, token);
    const id = ack.body.notice_id;
    ids.push(id);
    const seen = await until(`${id} at ${step}`, async () => {
      const v = await c.view(agent, id);
      if (v.status !== 'open') return 'over';
      return v.steps.some((s) => s.name === step && s.state === 'running') ? v : undefined;
    }, 30_000, 10);
    const holder = seen === 'over' ? undefined : await c.holder(agent);
    if (seen === 'over' || holder === undefined) {
      missed++;
      await c.ended(agent, id);
      continue;
    }
    const stepsAtKill = JSON.stringify(seen.steps);
    await c.servers[holder]!.kill9();
    const killedAt = Date.now();
    const restarted = c.start(holder);
    await until(`${id} resumed`, async () => {
      const v = await c.view(agent, id);
      return JSON.stringify(v.steps) !== stepsAtKill || v.status !== 'open' ? true : undefined;
    }, 60_000, 20);
    resume.push(Date.now() - killedAt);
    await c.ended(agent, id);
    end.push(Date.now() - killedAt);
    await restarted;
    done++;
  }
  const audits = await c.audit(ids);
  const leaks = await leaksAfter(c, interrupted);
  console.log(`| kill -9 of the lease holder mid-failover | ${done} kills at ${killSteps.join(', ')} in turn (${missed} rounds whose step ended before it was seen, not counted): ${perNotice(audits)} | leaked ${leaks.atEnd} at the end, ${leaks.afterSweep} after a sweep |`);
  console.log(`| resume after kill -9 (lease TTL 3 s, sweep 300 ms) | from the kill to the first step saved by a surviving process: ${stats(resume)}; to the notice's end: ${stats(end)} | |`);
}

const c = await startChaosCluster({ agents: [...withId, ...withoutId, ...killAgents], postgresUrl, latencyMs: Number(env['LATENCY_MS'] ?? 100) });
try {
  console.log(`chaos figures, ${new Date().toISOString()}, 3 processes, EC2 proxy latency ${env['LATENCY_MS'] ?? 100} ms per call\n`);
  console.log('| run | figure | leaks |\n| --- | --- | --- |');
  const t0 = Date.now();
  await duplicates(c, withId, true);
  await duplicates(c, withoutId, false);
  await killRounds(c);
  console.log(`\n${((Date.now() - t0) / 1000).toFixed(0)} s; EC2 calls by action: ${JSON.stringify(Object.fromEntries(c.proxy.calls))}; RunInstances answered from a kept ClientToken: ${c.proxy.repeats}`);
} finally {
  await c.close();
}
