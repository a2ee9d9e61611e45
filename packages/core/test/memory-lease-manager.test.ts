import { createFakeClock } from '../src/clock/index.js';
import { createMemoryLeaseManager } from '../src/memory/lease-manager.js';
import { runLeaseManagerContract } from '../src/testing/lease-manager.js';

runLeaseManagerContract({
  name: 'memory',
  setup: async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1));
    return { subject: createMemoryLeaseManager({ clock }), advance: (ms) => clock.advance(ms) };
  },
});
