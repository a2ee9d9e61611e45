// Drives a simulated fleet through an in-memory SEF on a fake clock: two days of spot-price reports in a
// few seconds, then a summary of what SEF did. Run: pnpm start (in examples/server).
import { SingleBar, Presets } from 'cli-progress';
import { createFakeClock, createFleetSimulation, createMemoryStorage, createSef, createSimulatedCloud, simulatedPools } from '@sef/core';

const days = Number(process.env['SEF_DEMO_DAYS'] ?? 2);
const seed = Number(process.env['SEF_DEMO_SEED'] ?? 7);
const start = Date.UTC(2026, 0, 1);
const clock = createFakeClock(start);
const storage = createMemoryStorage({ clock, pools: simulatedPools() });
const cloud = createSimulatedCloud({ clock });
const sef = createSef({ clock, storage, cloud, instanceId: 'fleet-demo' });
const fleet = createFleetSimulation({ seed, agents: 4, poolsPerAgent: 2, start, duration: days * 86_400 });

interface Tally {
  accepted: number;
  rejected: number;
  merged: number;
  detected: number;
  filled: number;
  open: number;
}
const tally = new Map<string, Tally>();
const of = (agentId: string): Tally => {
  let t = tally.get(agentId);
  if (!t) tally.set(agentId, (t = { accepted: 0, rejected: 0, merged: 0, detected: 0, filled: 0, open: 0 }));
  return t;
};
const alerts: string[] = [];
sef.on('report.merged', (e) => of(e.series.agentId).merged++);
sef.on('gap.detected', (e) => of(e.series.agentId).detected++);
sef.on('gap.filled', (e) => of(e.series.agentId).filled++);
sef.on('gap.unfillable', (e) => of(e.series.agentId).open++);
sef.on('alert', (a) => alerts.push(`${new Date(a.at).toISOString()} ${a.kind}: ${a.message}`));
sef.on('error', ({ error, context }) => console.error(`SEF error in ${context}:`, error));

// Each agent gets a hot standby the way a user would: manual replica mode, through SEF. SEF launches the
// replica in the simulated cloud and the replica reports itself ready, so every report has a twin.
const instanceOf = new Map<string, { primary: string; replica: string }>();
for (const a of fleet.agents) {
  const rec = await sef.registerAgent({ id: a.id, instanceId: a.primaryInstanceId, poolId: a.poolId });
  cloud.compute.addRunning({ instanceId: rec.primaryInstanceId, poolId: rec.poolId, agentId: rec.id, launchedAt: rec.primaryLaunchedAt });
  await sef.enableManualReplica(a.id);
  const withReplica = await storage.agents.get(a.id);
  const replica = withReplica?.replicaInstanceId;
  if (!replica) throw new Error(`SEF did not start a replica for ${a.id}`);
  await sef.replicaHeartbeat(a.id, replica, 'ready');
  instanceOf.set(a.id, { primary: rec.primaryInstanceId, replica });
}
sef.start();

const bar = new SingleBar({ format: 'simulating {bar} {percentage}% | {day} | {value}/{total} ticks', hideCursor: true }, Presets.shades_classic);
bar.start(fleet.ticks, 0, { day: new Date(start).toISOString().slice(0, 16) });
let batches = 0;
let junkSent = 0;
for (const b of fleet.batches()) {
  await clock.advanceTo(b.at);
  // Now and then an agent sends junk: SEF rejects it with reasons and stores nothing of it.
  const junk = batches % 97 === 0 ? [{ instanceId: 'i-unknown', poolId: 'mars-1a:c5.large', timestamp: 'soon', price: -1 }] : [];
  junkSent += junk.length;
  // Each instance reports under the id SEF knows it by (the replica's was chosen when SEF launched it).
  const ids = instanceOf.get(b.agentId)!;
  const instanceId = b.role === 'primary' ? ids.primary : ids.replica;
  const { accepted, rejected } = await sef.ingest([...b.reports.map((r) => ({ ...r, instanceId })), ...junk], { agentId: b.agentId });
  of(b.agentId).accepted += accepted;
  of(b.agentId).rejected += rejected.length;
  if (++batches % 50 === 0) bar.update(b.tick + 1, { day: new Date(clock.now()).toISOString().slice(0, 16) });
}
bar.update(fleet.ticks, { day: new Date(clock.now()).toISOString().slice(0, 16) });
bar.stop();

// Let the last windows close, then stop (the sweep stores what is left).
await clock.advance(sef.config.dataRetentionWindow * 1000 + 10_000);
await sef.flush();
await sef.stop();

const stats = await sef.stats();
const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 10 : 9)).join(' ');
console.log(`\nSEF processed ${days} simulated day(s) of ${fleet.agents.length} agents (primary + replica) in ${(performance.now() / 1000).toFixed(1)} s\n`);
console.log(`reports accepted ${stats.accepted}, rejected ${stats.rejected} (${Object.entries(stats.rejectedByReason).map(([k, v]) => `${k} ${v}`).join(', ')}); the demo sent ${junkSent} junk reports on purpose`);
console.log(`merged twins: ${stats.merged.verified} verified (< 0.5 % apart, primary kept), ${stats.merged.averaged} averaged and flagged`);
const stored = await storage.prices.countByFlag();
// `stats.interpolated` counts writes (a point recomputed when a neighbour changes counts again); the store has the result.
const c = sef.config;
console.log(`gaps: ${stats.gaps.detected} detected (> ${c.gapDetectionThreshold / 60} min), ${stats.gaps.filled} filled (any gap up to ${c.interpolationMaxGap / 60} min; ${stored.interpolated} interpolated points stored), ${stats.gaps.unfillable} left open`);
console.log(`still buffered ${stats.buffered}, queued ${stats.queued}\n`);
console.log(line(['agent', 'accepted', 'rejected', 'single', 'verified', 'averaged', 'interp.', 'gaps', 'filled', 'open']));
for (const a of fleet.agents) {
  const t = of(a.id);
  const c = await storage.prices.countByFlag(a.id);
  console.log(line([a.id, t.accepted, t.rejected, c.single_source, c.verified_dual_source, c.averaged_dual_source, c.interpolated, t.detected, t.filled, t.open]));
}
const quality = await storage.prices.dataQualityByDay(start / 1000);
console.log('\nper day (the spec’s data-quality query):');
for (const d of quality) console.log(`  ${d.date}: ${d.totalPoints} points, ${d.interpolated} interpolated (${d.pctInterpolated} %), ${d.averaged} averaged`);
if (alerts.length > 0) console.log(`\nalerts:\n  ${alerts.slice(0, 10).join('\n  ')}${alerts.length > 10 ? `\n  ... and ${alerts.length - 10} more` : ''}`);
