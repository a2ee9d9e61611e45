import type { AgentModes } from '../ports/types.js';

/** A change of some mode flags; flags left out keep their value. */
export type ModeChange = Partial<AgentModes>;

export const MANUAL_MODE_ACTIVE = 'Manual mode active';
export const AUTO_MODE_ACTIVE = 'Auto mode active';

/** The modes after `change`. */
export const applyModeChange = (current: AgentModes, change: ModeChange): AgentModes => ({
  autoSwitch: change.autoSwitch ?? current.autoSwitch,
  autoTerminate: change.autoTerminate ?? current.autoTerminate,
  manualReplica: change.manualReplica ?? current.manualReplica,
});

/**
 * The spec's mutual exclusion: turning an auto flag on while manual is on is refused with
 * `Manual mode active`; turning manual on while either auto flag is on with `Auto mode active`.
 * Returns the refusal, or undefined when the change may be applied.
 */
export function modeRefusal(current: AgentModes, change: ModeChange): string | undefined {
  const next = applyModeChange(current, change);
  if (!(next.manualReplica && (next.autoSwitch || next.autoTerminate))) return undefined;
  return current.manualReplica ? MANUAL_MODE_ACTIVE : AUTO_MODE_ACTIVE;
}

export const sameModes = (a: AgentModes, b: AgentModes): boolean =>
  a.autoSwitch === b.autoSwitch && a.autoTerminate === b.autoTerminate && a.manualReplica === b.manualReplica;

/** Is any auto flag on? */
export const autoOn = (m: AgentModes): boolean => m.autoSwitch || m.autoTerminate;
