export { AUTO_MODE_ACTIVE, MANUAL_MODE_ACTIVE, applyModeChange, autoOn, modeRefusal, sameModes, type ModeChange } from './mode-rules.js';
export { updateModes, type ModeUpdate } from './set-modes.js';
