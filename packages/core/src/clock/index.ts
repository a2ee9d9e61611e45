export { systemClock } from './system-clock.js';
export { createFakeClock, type FakeClock } from './fake-clock.js';
