export { bufferPolicy } from './policy.js';
export { nearerTwin, pairStillHonoured, repeatReplaces, withinTolerance } from './twin-rules.js';
