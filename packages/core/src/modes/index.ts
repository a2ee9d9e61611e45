export { AUTO_MODE_ACTIVE, MANUAL_MODE_ACTIVE, applyModeChange, autoOn, exclusionMessage, modeConflict, modeRefusal, sameModes, type ModeChange } from './mode-rules.js';
export { updateModes, type ModeUpdate } from './set-modes.js';
