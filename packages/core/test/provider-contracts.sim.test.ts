import { createFakeClock } from '../src/clock/index.js';
import { createSimulatedCloud } from '../src/sim/cloud.js';
import { runComputeProviderContract } from '../src/testing/compute-provider.js';
import { runPriceFeedContract } from '../src/testing/price-feed.js';
import { runRouterContract } from '../src/testing/router.js';

const T0 = Date.UTC(2026, 0, 15);
const unusablePool = 'us-east-1d:c5.large';

runComputeProviderContract({
  name: 'simulated',
  setup: async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(T0) });
    cloud.faults.unusablePool(unusablePool);
    return { subject: { compute: cloud.compute, pools: ['us-east-1a:c5.large', 'us-east-1b:m5.large'], unusablePool } };
  },
});

runRouterContract({
  name: 'simulated',
  setup: async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(T0) });
    const instances = ['i-contract-a', 'i-contract-b'].map((instanceId) => cloud.compute.addRunning({ instanceId, poolId: 'us-east-1a:c5.large', agentId: 'a1' }).instanceId);
    return { subject: { router: cloud.router, agentId: 'a1', instances } };
  },
});

runPriceFeedContract({
  name: 'simulated',
  setup: async () => {
    const cloud = createSimulatedCloud({ clock: createFakeClock(T0) });
    return { subject: { feed: cloud.priceFeed, agent: { agentId: 'a1', region: 'us-east-1', currentPoolId: 'us-east-1a:c5.large' }, historyPool: 'us-east-1b:c5.large', now: T0 } };
  },
});
