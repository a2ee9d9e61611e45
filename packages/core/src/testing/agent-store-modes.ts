import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentStore } from '../ports/agent-store.js';
import type { AgentModes } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';

type Flag = keyof AgentModes;
const flags: readonly Flag[] = ['autoSwitch', 'autoTerminate', 'manualReplica'];

/** The mode exclusion of the {@link AgentStore}: manual excludes both auto flags, in every reachable state. */
export function runAgentStoreModesContract(options: ContractOptions<AgentStore>): void {
  describe(`AgentStore mode exclusion (${options.name})`, () => {
    let store: AgentStore;
    useContractSubject(options, (subject) => (store = subject));

    const agent = (id: string) => store.create({ id, region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: `i-${id}` });

    it('refuses manual mode while auto-switch is on: "Auto mode active", nothing written', async () => {
      const a = await agent('a1');
      const b = await store.update('a1', a.version, { modes: { ...a.modes, autoSwitch: true } });
      await expect(store.update('a1', b.version, { modes: { ...b.modes, manualReplica: true } })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'Auto mode active',
      });
      expect(await store.get('a1')).toEqual(b);
    });

    it('refuses auto-terminate while manual mode is on: "Manual mode active"', async () => {
      const a = await agent('a1');
      const b = await store.update('a1', a.version, { modes: { ...a.modes, manualReplica: true } });
      await expect(store.update('a1', b.version, { modes: { ...b.modes, autoTerminate: true } })).rejects.toMatchObject({
        code: 'CONFLICT',
        message: 'Manual mode active',
      });
      await expect(
        store.create({ id: 'a2', region: 'us-east-1', poolId: 'p', primaryInstanceId: 'i', modes: { autoSwitch: true, autoTerminate: false, manualReplica: true } }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
    });

    it('never holds manual and an auto mode at once, whatever toggles run (fc.commands, with racing writers)', async () => {
      let n = 0;
      const commands = [
        fc.tuple(fc.constantFrom(...flags), fc.boolean()).map(([flag, on]) => new Toggle(flag, on, false)),
        fc.tuple(fc.constantFrom(...flags), fc.boolean()).map(([flag, on]) => new Toggle(flag, on, true)),
      ];
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
          const id = `m${n++}`;
          await agent(id);
          const model: ModesModel = { autoSwitch: false, autoTerminate: false, manualReplica: false };
          await fc.asyncModelRun(() => ({ model, real: { store, id } }), cmds);
        }),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}

type ModesModel = Record<Flag, boolean>;
interface Real {
  readonly store: AgentStore;
  readonly id: string;
}

/** Sets one flag; with `racing`, a second writer sets the opposite value at the same version. */
class Toggle implements fc.AsyncCommand<ModesModel, Real> {
  constructor(
    readonly flag: Flag,
    readonly on: boolean,
    readonly racing: boolean,
  ) {}
  check = () => true;
  async run(model: ModesModel, { store, id }: Real): Promise<void> {
    const cur = (await store.get(id))!;
    const write = (value: boolean) => store.update(id, cur.version, { modes: { ...cur.modes, [this.flag]: value } });
    const results = await Promise.allSettled(this.racing ? [write(this.on), write(!this.on)] : [write(this.on)]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT' });
    // One version, one winner.
    expect(won.length).toBeLessThanOrEqual(1);
    const attempted = { ...model, [this.flag]: this.on };
    const allowed = !(attempted.manualReplica && (attempted.autoSwitch || attempted.autoTerminate));
    if (!this.racing) expect(won.length === 1).toBe(allowed);
    if (won[0]) model[this.flag] = won[0].modes[this.flag];
    const stored = (await store.get(id))!.modes;
    expect(stored).toEqual(model);
    expect(stored.manualReplica && (stored.autoSwitch || stored.autoTerminate)).toBe(false);
  }
  toString = () => `${this.racing ? 'race' : 'set'} ${this.flag}=${this.on}`;
}
