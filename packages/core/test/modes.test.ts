import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { modeRefusal, updateModes } from '../src/modes/index.js';
import type { AgentModes } from '../src/ports/types.js';
import { createHarness } from './replica-harness.js';

const modes = fc.record({ autoSwitch: fc.boolean(), autoTerminate: fc.boolean(), manualReplica: fc.boolean() });

describe('mode exclusion', () => {
  it('refuses exactly the changes that would leave manual on with an auto flag, naming the mode that was on (property)', () => {
    fc.assert(
      fc.property(modes.filter((m) => !(m.manualReplica && (m.autoSwitch || m.autoTerminate))), fc.record({ autoSwitch: fc.option(fc.boolean(), { nil: undefined }), manualReplica: fc.option(fc.boolean(), { nil: undefined }) }), (current: AgentModes, raw) => {
        const change = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
        const next = { ...current, ...change };
        const refusal = modeRefusal(current, change);
        const bad = next.manualReplica && (next.autoSwitch || next.autoTerminate);
        expect(refusal === undefined).toBe(!bad);
        if (refusal) expect(refusal).toBe(current.manualReplica ? 'Manual mode active' : 'Auto mode active');
      }),
    );
  });

  it('racing toggles from two SEF instances never leave manual and auto on together (compare-and-set, not read-then-write)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('autoSwitch', 'autoTerminate', 'manualReplica'), fc.boolean()), { minLength: 2, maxLength: 12 }), async (toggles) => {
        const h = createHarness({ instances: 2 });
        await h.agent('a1');
        await Promise.allSettled(toggles.map(([flag, on]) => updateModes(h.storage.agents, 'a1', { [flag]: on })));
        const m = (await h.storage.agents.get('a1'))!.modes;
        expect(m.manualReplica && (m.autoSwitch || m.autoTerminate)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
