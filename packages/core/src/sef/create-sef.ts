import { systemClock } from '../clock/index.js';
import { parseConfig } from '../config/index.js';
import { bufferPolicy } from '../dedupe/policy.js';
import { createMemoryDedupeBuffer } from '../memory/dedupe-buffer.js';
import { createMemoryIngestQueue } from '../memory/ingest-queue.js';
import { createMemoryLeaseManager } from '../memory/lease-manager.js';
import { createReplicaManager } from '../failover/replica-manager.js';
import type { SefEmit } from '../failover/emit.js';
import type { SefEvents } from '../events/event-map.js';
import { Counters } from './counters.js';
import type { SefOptions } from './options.js';
import { IngestWorker } from './ingest-worker.js';
import { Pipeline } from './pipeline.js';
import { Sef } from './sef.js';
import { Sweeper } from './sweeper.js';

/**
 * Builds a SEF on the storage and the cloud you give it: nothing durable and nothing that launches
 * instances is chosen for you. `buffer`, `queue` and `leases` default to memory, which is right for one
 * process; pass the Redis ones to share the work between processes. Throws `ConfigError` naming every
 * bad setting.
 * @example
 * // Everything in memory on a simulated cloud (tests, demos); in production: createPostgresStorage and
 * // the EC2 providers of @sef/adapter-aws.
 * const cloud = createSimulatedCloud({ clock: systemClock });
 * const storage = createMemoryStorage({ clock: systemClock, pools: simulatedPools() });
 * const sef = createSef({ storage, cloud, config: { interpolationMaxGap: 900 } });
 * sef.on('gap.unfillable', (gap) => console.warn(gap));
 * await sef.registerAgent({ id: 'a1', instanceId: 'i-0abc', poolId: 'us-east-1a:c5.large' });
 * await sef.ingest([{ instanceId: 'i-0abc', poolId: 'us-east-1a:c5.large', timestamp: 1767225600, price: 0.0456 }], { agentId: 'a1' });
 * sef.start();
 */
export function createSef(options: SefOptions): Sef {
  const config = parseConfig(options.config);
  const clock = options.clock ?? systemClock;
  const { storage, cloud } = options;
  const buffer = options.buffer ?? createMemoryDedupeBuffer();
  const queue = options.queue ?? createMemoryIngestQueue({ clock });
  const counters = new Counters();
  const leases = options.leases ?? createMemoryLeaseManager({ clock });
  const owner = options.instanceId ?? 'sef';
  return new Sef((events) => {
    const replicas = createReplicaManager({
      storage,
      compute: cloud.compute,
      priceFeed: cloud.priceFeed,
      router: cloud.router,
      leases,
      clock,
      config,
      owner,
      // eventemitter3's emit is typed per event; the manager's emit is the same function, generically typed.
      emit: ((event: keyof SefEvents, ...args: unknown[]) => events.emit(event, ...(args as [never]))) as SefEmit,
      riskModel: options.riskModel,
      heuristic: options.riskHeuristic,
      ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
    });
    const pipeline = new Pipeline({
      storage,
      buffer,
      queue,
      clock,
      config,
      policy: bufferPolicy(config),
      counters,
      events,
      consumer: owner,
      reclaimAfter: options.reclaimAfter ?? 60_000,
      batchEntries: options.drainBatch ?? 64,
      storeConcurrency: options.storeConcurrency ?? 4,
    });
    const worker = new IngestWorker({
      clock,
      drain: () => pipeline.drain(),
      sweep: () => pipeline.releaseExpired(),
      onError: (error, context) => events.emit('error', { error, context }),
      retryDelay: options.retryDelay ?? 1_000,
    });
    const sweeper = new Sweeper({
      clock,
      config,
      prices: storage.prices,
      events,
      interval: options.sweepInterval ?? 5_000,
      work: async () => {
        // Notices whose process died or lost its lease are taken over within a sweep interval or a lease TTL.
        await replicas.resumeNotices().catch((error: unknown) => events.emit('error', { error, context: 'notice resumption' }));
        await worker.sweep();
        await worker.drain();
      },
      housekeeping: async () => {
        // The reconciliation runs even when the replica sweep failed: it is what catches that sweep's leftovers.
        await replicas.sweep().catch((error: unknown) => events.emit('error', { error, context: 'replica sweep' }));
        await replicas.reconcile();
      },
    });
    return { config, storage, buffer, queue, clock, counters, worker, sweeper, replicas, signalSources: options.signalSources ?? [] };
  });
}
