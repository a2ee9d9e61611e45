import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { createMemoryPriceStore } from '../src/memory/price-store.js';
import type { SourceReport } from '../src/ports/types.js';
import { crowdedReports, cut, deliveries, seriesReports } from '../src/testing/convergence-arbitraries.js';
import type { PriceStore } from '../src/ports/price-store.js';
import { storeReports } from '../src/timeline/index.js';
import { referenceTimeline, timelineRows, type TimelineRow as Row } from '../src/testing/timeline-reference.js';

const config = parseConfig();
const reference = (reports: readonly SourceReport[]): Row[] => referenceTimeline(reports, config);

async function rows(store: PriceStore): Promise<Row[]> {
  return timelineRows(await store.timeline({ agentId: 'x', poolId: 'us-east-1a:c5.large' }, 0, Infinity));
}

async function stored(batches: readonly (readonly SourceReport[])[]): Promise<Row[]> {
  const store = createMemoryPriceStore();
  for (const b of batches) await storeReports(store, b, config);
  return rows(store);
}

interface Model {
  readonly sent: SourceReport[];
}
interface Real {
  readonly store: PriceStore;
}

/** Sends a batch of reports; afterwards the store must hold the reference timeline of everything sent so far. */
class SendBatch implements fc.AsyncCommand<Model, Real> {
  constructor(readonly batch: readonly SourceReport[]) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    model.sent.push(...this.batch);
    await storeReports(real.store, this.batch, config);
    expect(await rows(real.store)).toEqual(reference(model.sent));
  }
  toString = () => `send(${this.batch.map((r) => `${r.role[0]}${r.timestamp - 1_767_225_600}=${r.price}`).join(',')})`;
}

/** Sends again a report sent before (a retry): nothing may change. */
class Resend implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (model: Readonly<Model>) => model.sent.length > 0;
  async run(model: Model, real: Real): Promise<void> {
    const before = await rows(real.store);
    const outcome = await storeReports(real.store, [model.sent[this.pick % model.sent.length]!], config);
    expect(await rows(real.store)).toEqual(before);
    expect(outcome.pointsWritten + outcome.pointsRemoved).toBe(0);
  }
  toString = () => `resend(${this.pick})`;
}

describe('the stored timeline against the rules computed from scratch', () => {
  it('matches for grid reports with jitter, noise, drops and resends, however delivered', async () => {
    const arb = seriesReports.chain((reports) => fc.tuple(fc.constant(reports), deliveries(reports)));
    await fc.assert(
      fc.asyncProperty(arb, async ([reports, batches]) => {
        expect(await stored(batches)).toEqual(reference(reports));
      }),
      { numRuns: 300 },
    );
  });

  it('matches for reports crowded into chains of near twins, one report at a time', async () => {
    await fc.assert(
      fc.asyncProperty(crowdedReports, async (reports) => {
        expect(await stored(cut(reports, [1]))).toEqual(reference(reports));
      }),
      { numRuns: 300 },
    );
  });

  it('holds the reference timeline of everything sent after every step of any send/resend sequence', async () => {
    const batch = crowdedReports.chain((rs) => fc.subarray(rs, { minLength: 1 }));
    const commands = [batch.map((b) => new SendBatch(b)), seriesReports.filter((rs) => rs.length > 0).map((rs) => new SendBatch(rs)), fc.nat().map((n) => new Resend(n))];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (cmds) => {
        await fc.asyncModelRun(() => ({ model: { sent: [] }, real: { store: createMemoryPriceStore() } }), cmds);
      }),
      { numRuns: 200 },
    );
  });
});
