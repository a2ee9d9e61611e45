export { bufferPolicy } from './policy.js';
export { nearerTwin, pairRearmedAt, pairStillHonoured, repeatReplaces, withinTolerance } from './twin-rules.js';
