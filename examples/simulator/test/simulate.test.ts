import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../src/report/write-report.js';
import { simulate, type SimulationOptions, type SimulationReport } from '../src/simulate.js';

// A small, stormy world: an instance is interrupted about once a day, warned 5-20 minutes ahead (inside
// SEF's 30-minute unused-replica timeout), so that a few agents over one day see every flow.
const stormy: SimulationOptions = {
  world: { seed: 5, agents: 10, days: 1, bands: [[3000, 4000]], bandShares: [1], rebalanceLeadMinutes: [5, 20] },
  run: { reportingAgents: 10 },
};
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function written(report: SimulationReport): Promise<{ table: Buffer; json: Buffer; html: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'sef-sim-'));
  dirs.push(dir);
  const paths = await writeReport(report, dir);
  return { table: await readFile(paths.table), json: await readFile(paths.json), html: await readFile(paths.html) };
}

describe('pnpm simulate over the real SEF core', () => {
  let first: SimulationReport;
  // CPU-bound: generous bounds for a shared machine (each simulation takes a few seconds on an idle one).
  beforeAll(async () => {
    first = await simulate(stormy);
  }, 120_000);

  it('the same seed gives the same report, byte for byte (table, JSON and HTML); another seed another one', async () => {
    const again = await simulate(stormy);
    const [a, b] = [await written(first), await written(again)];
    expect(b.table.equals(a.table)).toBe(true);
    expect(b.json.equals(a.json)).toBe(true);
    expect(b.html.equals(a.html)).toBe(true);
    const other = await written(await simulate({ ...stormy, world: { ...stormy.world, seed: 6 } }));
    expect(other.json.equals(a.json)).toBe(false);
  }, 240_000);

  it('policies played in worker threads give the same report, byte for byte, as played one after the other', async () => {
    const [a, b] = [await written(first), await written(await simulate({ ...stormy, workers: 3 }))];
    expect(b.json.equals(a.json)).toBe(true);
    expect(b.html.equals(a.html)).toBe(true);
  }, 240_000);

  it('each policy behaves as SEF does: manual promotes in seconds, notice-only runs emergency recovery, on-demand is the cost reference', () => {
    const by = (policy: string) => first.results.find((r) => r.policy === policy)!;
    const manual = by('manual');
    const noticeOnly = by('notice-only');
    expect(noticeOnly.interruptions).toBeGreaterThan(2);
    expect(manual.failovers.promoted).toBeGreaterThan(0);
    expect(manual.downtime.p50).toBeLessThan(10);
    expect(noticeOnly.failovers.promoted).toBe(0);
    expect(noticeOnly.failovers.emergency + noticeOnly.failovers.failed).toBe(noticeOnly.interruptions);
    expect(noticeOnly.downtime.p50).toBeGreaterThan(30);
    expect(manual.cost.ratio).toBeGreaterThan(noticeOnly.cost.ratio);
    expect(manual.replicas.hours).toBeGreaterThan(10 * 23);
    const onDemand = by('on-demand');
    expect(onDemand.cost.ratio).toBe(1);
    expect(onDemand.interruptions).toBe(0);
    // Warned 5-20 minutes ahead, the low threshold's standbys are ready at the notice.
    expect(by('auto 0.15').failovers.promoted).toBeGreaterThan(0);
    for (const r of first.results.filter((x) => x.kind !== 'replace')) expect(r.errors.first, `${r.policy} had errors`).toEqual([]);
    // Known: manual mode turned off right after a switch retires the next standby while it boots, and SEF
    // reports that boot as an error event.
    for (const e of by('replace').errors.first) expect(e).toMatch(/replica boot: Instance .* terminated before it ran/);
  });

  it('the risk heuristic is scored for every auto threshold: a lower threshold sees at least as many interruptions coming', () => {
    const auto = first.results.filter((r) => r.threshold !== null).sort((a, b) => a.threshold! - b.threshold!);
    expect(auto.map((r) => r.threshold)).toEqual([0.15, 0.3, 0.5]);
    for (const r of auto) expect(r.heuristic.seenComing).toBeLessThanOrEqual(r.heuristic.warned);
    expect(auto[0]!.heuristic.seenComing).toBeGreaterThanOrEqual(auto[2]!.heuristic.seenComing!);
  });
});
