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
 * THE mode-exclusion rule (every store and the core call this one): manual mode excludes both auto
 * flags. Whichever mode was on first wins, so turning on the other one is what gets refused: an auto flag
 * while manual is on with `Manual mode active`, manual while an auto flag is on with `Auto mode active`.
 * Returns the refusal for going from `previous` to `next`, or undefined when `next` may stand.
 */
export function modeConflict(previous: AgentModes, next: AgentModes): string | undefined {
  if (!(next.manualReplica && autoOn(next))) return undefined;
  return exclusionMessage(previous);
}

/** The refusal when the modes after a write would break the exclusion, by what was on before it. */
export const exclusionMessage = (previous: AgentModes | undefined): string => (previous?.manualReplica ? MANUAL_MODE_ACTIVE : AUTO_MODE_ACTIVE);

/** {@link modeConflict} for a change of some flags. */
export const modeRefusal = (current: AgentModes, change: ModeChange): string | undefined => modeConflict(current, applyModeChange(current, change));

export const sameModes = (a: AgentModes, b: AgentModes): boolean =>
  a.autoSwitch === b.autoSwitch && a.autoTerminate === b.autoTerminate && a.manualReplica === b.manualReplica;

/** Is any auto flag on? */
export const autoOn = (m: AgentModes): boolean => m.autoSwitch || m.autoTerminate;
