import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, StorageError } from '../src/errors/index.js';
import { exclusionMessage, modeConflict, sameModes } from '../src/modes/mode-rules.js';
import { updateModes } from '../src/modes/set-modes.js';
import type { AgentStore } from '../src/ports/agent-store.js';
import type { AgentModes, AgentRecord } from '../src/ports/types.js';

const off: AgentModes = { autoSwitch: false, autoTerminate: false, manualReplica: false };
const record = (modes: AgentModes, version = 1): AgentRecord => ({
  id: 'a1', region: 'us-east-1', poolId: 'us-east-1a:c5.large', primaryInstanceId: 'i-1', primaryLaunchedAt: 0, replicaInstanceId: null,
  modes, tokenHash: null, version, fencingToken: 0, createdAt: 0,
});

/**
 * An agent store that enforces nothing (no exclusion, no version check) unless told to fail: the core's own
 * rules must decide, not the store's second line of defence.
 */
function permissiveStore(initial: AgentRecord | undefined, failures: unknown[] = []) {
  let current = initial;
  const updates: { version: number; modes: AgentModes | undefined }[] = [];
  const store = {
    get: async () => current,
    update: async (_id: string, version: number, patch: { modes?: AgentModes }) => {
      updates.push({ version, modes: patch.modes });
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      current = { ...current!, ...patch, version: current!.version + 1 } as AgentRecord;
      return current;
    },
  } as unknown as AgentStore;
  return { store, updates };
}

describe('updateModes decides by itself, whatever the store enforces', () => {
  it('names an unknown agent', async () => {
    const { store } = permissiveStore(undefined);
    await expect(updateModes(store, 'a9', { autoSwitch: true })).rejects.toEqual(new NotFoundError('Agent a9 not found'));
  });

  it('refuses auto-switch while manual mode is on and writes nothing', async () => {
    const { store, updates } = permissiveStore(record({ ...off, manualReplica: true }));
    await expect(updateModes(store, 'a1', { autoSwitch: true })).rejects.toEqual(new ConflictError('Manual mode active'));
    expect(updates).toEqual([]);
  });

  it('writes nothing when the modes would not change', async () => {
    const { store, updates } = permissiveStore(record({ ...off, autoSwitch: true }));
    const result = await updateModes(store, 'a1', { autoSwitch: true });
    expect(result).toMatchObject({ changed: false, previous: { ...off, autoSwitch: true } });
    expect(updates).toEqual([]);
  });

  it('writes the change at the version it read, and says what was before', async () => {
    const { store, updates } = permissiveStore(record(off, 7));
    const result = await updateModes(store, 'a1', { autoTerminate: true });
    expect(updates).toEqual([{ version: 7, modes: { ...off, autoTerminate: true } }]);
    expect(result).toMatchObject({ changed: true, previous: off, agent: { version: 8, modes: { ...off, autoTerminate: true } } });
  });

  it('decides again after a conflict (ConflictError or any error with the CONFLICT code), up to 51 attempts', async () => {
    const coded = Object.assign(new Error('version moved'), { code: 'CONFLICT' });
    const { store, updates } = permissiveStore(record(off), [new ConflictError('version moved'), coded]);
    await updateModes(store, 'a1', { autoSwitch: true });
    expect(updates).toHaveLength(3);
    const always = permissiveStore(record(off), Array.from({ length: 60 }, () => new ConflictError('busy')));
    await expect(updateModes(always.store, 'a1', { autoSwitch: true })).rejects.toEqual(new ConflictError('busy'));
    expect(always.updates).toHaveLength(51);
  });

  it('does not retry any other error', async () => {
    const down = new StorageError('postgres is down');
    const { store, updates } = permissiveStore(record(off), [down]);
    await expect(updateModes(store, 'a1', { autoSwitch: true })).rejects.toBe(down);
    expect(updates).toHaveLength(1);
  });
});

describe('the mode rules', () => {
  it('compares every flag', () => {
    expect(sameModes(off, off)).toBe(true);
    for (const flag of ['autoSwitch', 'autoTerminate', 'manualReplica'] as const) expect(sameModes(off, { ...off, [flag]: true })).toBe(false);
  });

  it('refuses by what was on before; a write with nothing known before counts as auto first', () => {
    expect(modeConflict({ ...off, manualReplica: true }, { ...off, manualReplica: true, autoTerminate: true })).toBe('Manual mode active');
    expect(modeConflict({ ...off, autoTerminate: true }, { ...off, manualReplica: true, autoTerminate: true })).toBe('Auto mode active');
    expect(modeConflict(off, { ...off, manualReplica: true })).toBeUndefined();
    expect(exclusionMessage(undefined)).toBe('Auto mode active');
  });
});
