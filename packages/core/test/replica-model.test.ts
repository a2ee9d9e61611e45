import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentModes, InterruptionSignal, SignalType } from '../src/ports/types.js';
import { realisticLatencies, zeroLatencies, type SimMethod } from '../src/sim/cloud.js';
import { createHarness, T0, type Harness } from './replica-harness.js';

const DAY = 86_400_000;
const ID = 'a1';

interface Model {
  modes: AgentModes;
  /** How many deliveries of each notice id reported `handled: true`. */
  handled: Map<string, number>;
  last?: InterruptionSignal;
  /** A `terminate` fault is on (the model remembers it to put it back after the cloud's own terminate). */
  hungTerminate?: boolean;
  /**
   * A terminate may have failed since the last sweep that ran with a healthy terminate: until such a
   * sweep retries it, an instance on its way out may still run (clearing the fault alone retries nothing).
   */
  terminateOwed?: boolean;
}
interface Real {
  h: Harness;
}
type Cmd = fc.AsyncCommand<Model, Real>;

const settle = <T>(r: Real, p: Promise<T>) => r.h.settle(p, 5_000, 2 * 3_600_000);
const refusedWith = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

/** AWS ends the instance after its notice: the cloud's own act, not an API call, so no injected fault applies. */
async function cloudEnds(r: Real, instanceId: string, hungTerminate: boolean): Promise<void> {
  r.h.cloud.faults.hang('terminate', false);
  try {
    await settle(r, r.h.cloud.compute.terminate(instanceId));
  } finally {
    if (hungTerminate) r.h.cloud.faults.hang('terminate');
  }
}

async function deliver(m: Model, r: Real, signal: InterruptionSignal, sefs: number[]): Promise<void> {
  const results = await settle(r, Promise.all(sefs.map((i) => r.h.sefs[i]!.handleSignal(signal))));
  const id = results[0]!.event.id;
  m.handled.set(id, (m.handled.get(id) ?? 0) + results.filter((x) => x.handled).length);
  m.last = signal;
}

/** A new notice for the agent's current primary; after a termination notice, the cloud ends that instance (AWS would). */
class Notice implements Cmd {
  constructor(readonly type: SignalType, readonly sefs: number[]) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.h.clock.advance(1_000);
    const agent = (await r.h.storage.agents.get(ID))!;
    const signal = r.h.cloud.signals.notice(agent.primaryInstanceId, this.type);
    await deliver(m, r, signal, this.sefs);
    if (this.type === 'termination-notice') await cloudEnds(r, signal.instanceId, m.hungTerminate === true);
  }
  toString = () => `Notice(${this.type}, ${this.sefs})`;
}

/**
 * A termination notice at sef-1, whose process crashes `afterMs` into the failover (its in-memory state is
 * lost, its calls fail from then on); a fresh process and sef-2 resume it from its persisted steps, as
 * their sweeps would, until it ends.
 */
class Crash implements Cmd {
  constructor(readonly afterMs: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.h.clock.advance(1_000);
    const agent = (await r.h.storage.agents.get(ID))!;
    const signal = r.h.cloud.signals.notice(agent.primaryInstanceId, 'termination-notice');
    const receipt = await settle(r, r.h.sefs[0]!.acceptSignal(signal));
    await r.h.clock.advance(this.afterMs);
    r.h.crash(0);
    const id = receipt.notice.id;
    for (let waited = 0; (await r.h.storage.events.getSignal(id))?.success === null; waited += 5_000) {
      expect(waited).toBeLessThan(receipt.notice.deadline - r.h.clock.now() + 120_000);
      for (const s of r.h.sefs) await s.resumeNotices();
      await settle(r, r.h.clock.advance(5_000));
    }
    m.handled.set(id, (m.handled.get(id) ?? 0) + (receipt.created ? 1 : 0));
    m.last = signal;
    await cloudEnds(r, signal.instanceId, m.hungTerminate === true);
  }
  toString = () => `Crash(${this.afterMs})`;
}

/** A rebalance at one instance, a termination notice at the other and a manual switch, all at once. */
class Race implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    await r.h.clock.advance(1_000);
    const agent = (await r.h.storage.agents.get(ID))!;
    const rb = r.h.cloud.signals.notice(agent.primaryInstanceId, 'rebalance-recommendation');
    const tn = r.h.cloud.signals.notice(agent.primaryInstanceId, 'termination-notice');
    const [a, b] = await settle(r, Promise.all([r.h.sefs[0]!.handleSignal(rb), r.h.sefs[1]!.handleSignal(tn), refusedWith(r.h.sefs[0]!.manualSwitch(ID))]));
    for (const x of [a, b]) m.handled.set(x.event.id, (m.handled.get(x.event.id) ?? 0) + (x.handled ? 1 : 0));
    m.last = tn;
    await cloudEnds(r, tn.instanceId, m.hungTerminate === true);
  }
  toString = () => 'Race';
}

class Duplicate implements Cmd {
  check = (m: Readonly<Model>) => m.last !== undefined;
  async run(m: Model, r: Real) {
    await deliver(m, r, { ...m.last!, source: 'eventbridge' }, [0, 1]);
  }
  toString = () => 'Duplicate';
}

type AutoFlags = 'autoSwitch' | 'autoTerminate' | 'both';

/** Sets auto-switch, auto-terminate, or both: each flag alone must be refused while manual mode is on. */
class Auto implements Cmd {
  constructor(readonly on: boolean, readonly flags: AutoFlags, readonly sef: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const change = this.flags === 'both' ? { autoSwitch: this.on, autoTerminate: this.on } : { [this.flags]: this.on };
    const refusal = await refusedWith(r.h.sefs[this.sef]!.setModes(ID, change));
    if (this.on && m.modes.manualReplica) expect(refusal).toBe('Manual mode active');
    else {
      expect(refusal).toBeUndefined();
      m.modes = { ...m.modes, ...change };
    }
  }
  toString = () => `Auto(${this.flags}=${this.on}, sef${this.sef})`;
}

class Manual implements Cmd {
  constructor(readonly on: boolean, readonly sef: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const sef = r.h.sefs[this.sef]!;
    const refusal = await refusedWith(settle(r, this.on ? sef.enableManualReplica(ID) : sef.disableManualReplica(ID)));
    if (this.on && (m.modes.autoSwitch || m.modes.autoTerminate)) expect(refusal).toBe('Auto mode active');
    else m.modes = { ...m.modes, manualReplica: this.on }; // a failed launch (fault) still leaves the mode on
    // Manual off ends the standby (checked in the invariants; while terminate hangs, after Heal).
  }
  toString = () => `Manual(${this.on}, sef${this.sef})`;
}

class Switch implements Cmd {
  constructor(readonly sef: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    const status = await r.h.sef.status(ID);
    const refusal = await refusedWith(settle(r, r.h.sefs[this.sef]!.manualSwitch(ID)));
    if (!status.agent.modes.manualReplica || status.replica?.status !== 'ready') expect(refusal).toBeDefined();
  }
  toString = () => `Switch(sef${this.sef})`;
}

class ReplicaReady implements Cmd {
  check = () => true;
  async run(_m: Model, r: Real) {
    await settle(r, Promise.all(r.h.sefs.map((s) => s.idle())));
    const replica = (await r.h.sef.status(ID)).replica;
    if (replica?.instanceId) await r.h.sef.replicaHeartbeat(ID, replica.instanceId, 'ready');
  }
  toString = () => 'ReplicaReady';
}

class Fault implements Cmd {
  constructor(readonly kind: 'fail' | 'capacity' | SimMethod) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const f = r.h.cloud.faults;
    f.clear();
    m.hungTerminate = this.kind === 'terminate';
    if (m.hungTerminate) m.terminateOwed = true;
    if (this.kind === 'fail') f.failLaunches(2);
    else if (this.kind === 'capacity') for (const az of 'abcdef') f.noCapacity(`us-east-1${az}:c5.large`);
    else f.hang(this.kind);
  }
  toString = () => `Fault(${this.kind})`;
}

class Heal implements Cmd {
  check = () => true;
  async run(m: Model, r: Real) {
    r.h.cloud.faults.clear();
    m.hungTerminate = false;
    // Terminates that failed while the cloud hung are retried by the housekeeping sweep.
    await settle(r, r.h.sefs[1]!.sweep());
    m.terminateOwed = false;
  }
  toString = () => 'Heal';
}

class TimePasses implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await settle(r, r.h.clock.advance(this.ms));
    await settle(r, r.h.sefs[1]!.sweep());
    if (!m.hungTerminate) m.terminateOwed = false;
  }
  toString = () => `TimePasses(${this.ms})`;
}

async function invariants(m: Model, r: Real): Promise<void> {
  await settle(r, Promise.all(r.h.sefs.map((s) => s.idle())));
  const { agent, replicas } = await r.h.sef.status(ID);
  // Never auto and manual together, and the modes are exactly those the model allows.
  expect(agent.modes.manualReplica && (agent.modes.autoSwitch || agent.modes.autoTerminate)).toBe(false);
  expect(agent.modes).toEqual(m.modes);
  // At most one standby, and no instance of the agent runs except its primary and that standby.
  const standbys = replicas.filter((x) => ['launching', 'syncing', 'ready'].includes(x.status) && x.replicaType !== 'emergency');
  expect(standbys.length).toBeLessThanOrEqual(1);
  // Manual mode off leaves no manual standby (a hanging terminate may delay that until the cloud heals).
  if (!m.modes.manualReplica && !m.terminateOwed) expect(standbys.filter((x) => x.replicaType === 'manual')).toEqual([]);
  // (While terminate hangs, an instance on its way out may still run; after Heal and a sweep it must not.)
  const live = r.h.cloud.compute.instances().filter((i) => i.state !== 'terminated').map((i) => i.instanceId);
  const allowed = new Set([agent.primaryInstanceId, ...standbys.map((x) => x.instanceId)]);
  if (!m.terminateOwed) expect(live.filter((i) => !allowed.has(i))).toEqual([]);
  // Each notice handled exactly once.
  for (const [id, n] of m.handled) expect([id, n]).toEqual([id, 1]);
  // Each termination notice ended once, by whichever process: one failover.completed or failover.failed.
  const ends = new Map<string, number>();
  for (const e of [...r.h.of('failover.completed'), ...r.h.of('failover.failed')]) ends.set(e.event.id, (ends.get(e.event.id) ?? 0) + 1);
  for (const [id, n] of ends) expect([id, n]).toEqual([id, 1]);
  // Every failover succeeded before its deadline, or was recorded as failed with an alert.
  const alerts = await r.h.storage.events.systemEvents({ since: 0, typePrefix: 'alert.failed_failover' });
  for (const e of await r.h.storage.events.listSignals({ since: 0, agentId: ID })) {
    expect(e.success).not.toBeNull();
    if (e.signalType !== 'termination-notice') continue;
    if (e.success) expect(e.detectedAt + e.responseTimeMs!).toBeLessThanOrEqual(e.actionTime!);
    else expect(alerts.some((a) => a.payload['signalId'] === e.id)).toBe(true);
  }
}

class Checked implements Cmd {
  constructor(readonly inner: Cmd) {}
  check = (m: Readonly<Model>) => this.inner.check(m);
  async run(m: Model, r: Real) {
    await this.inner.run(m, r);
    await invariants(m, r);
  }
  toString = () => this.inner.toString();
}

const modelConfig = { riskWeights: { interruptionHistory: 0.4, instanceAge: 0.6, priceVolatility: 0 }, unusedReplicaTimeout: 1800 };
const sef = fc.constantFrom(0, 1);
const commands = [
  fc.tuple(fc.boolean(), fc.constantFrom<AutoFlags>('autoSwitch', 'autoTerminate', 'both'), sef).map(([on, flags, s]) => new Auto(on, flags, s)),
  fc.tuple(fc.boolean(), sef).map(([on, s]) => new Manual(on, s)),
  sef.map((s) => new Switch(s)),
  fc.constantFrom<SignalType>('rebalance-recommendation', 'termination-notice').chain((t) => fc.constantFrom([0], [1], [0, 1]).map((s) => new Notice(t, [...s]))),
  fc.constant(new Duplicate()),
  fc.constant(new Race()),
  // The handling process crashes anywhere from its first step to well past a relaunch's boot.
  fc.integer({ min: 0, max: 60_000 }).map((ms) => new Crash(ms)),
  fc.constant(new ReplicaReady()),
  // Every provider call the flows make can hang, terminate and describe included.
  fc
    .constantFrom<'fail' | 'capacity' | SimMethod>('fail', 'capacity', 'launch', 'route', 'snapshot', 'restoreInto', 'waitUntilRunning', 'terminate', 'describe')
    .map((k) => new Fault(k)),
  fc.constant(new Heal()),
  fc.constantFrom(60_000, 1_900_000).map((ms) => new TimePasses(ms)),
].map((arb) => arb.map((c) => new Checked(c)));

describe('replica management, model-based (two SEF instances sharing one set of stores)', () => {
  it.each([
    ['zero', zeroLatencies, 150],
    ['realistic', realisticLatencies, 60],
  ] as const)('keeps the modes exclusive, one primary, one standby, every notice handled once, and every failover on time or alerted (%s latencies)', async (_name, latencies, numRuns) => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
        const h = createHarness({ instances: 2, latencies, config: modelConfig });
        await h.agent(ID, { launchedAt: T0 - 8 * DAY });
        const model: Model = { modes: { autoSwitch: false, autoTerminate: false, manualReplica: false }, handled: new Map() };
        await fc.asyncModelRun(() => ({ model, real: { h } }), cmds);
      }),
      { numRuns, timeout: 20_000 },
    );
  }, 120_000);
});

// Runs that fast-check found failing, kept as examples (each is checked after every command, as above).
describe('replica management, counterexamples found by the model', () => {
  it.each([
    // Seed -1159787338: the process dies right after the next standby's launch went through; the resumed
    // notice took the `launching` record without an instance for a standby and the instance ran on unrecorded.
    ['a crash 46.1 s into a failover in auto mode', realisticLatencies, [new Auto(true, 'autoSwitch', 0), new Crash(46_100)]],
    // Seed 743964231: manual mode turned off while terminate hangs; the standby must go at the next sweep.
    ['manual off while terminate hangs, then another fault', zeroLatencies, [new Manual(true, 0), new Fault('terminate'), new Manual(false, 0), new Fault('fail'), new TimePasses(60_000)]],
  ] as const)('%s', async (_name, latencies, cmds) => {
    const h = createHarness({ instances: 2, latencies, config: modelConfig });
    await h.agent(ID, { launchedAt: T0 - 8 * DAY });
    const model: Model = { modes: { autoSwitch: false, autoTerminate: false, manualReplica: false }, handled: new Map() };
    await fc.asyncModelRun(() => ({ model, real: { h } }), cmds.map((c) => new Checked(c)));
  });
});
