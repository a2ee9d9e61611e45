import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CapacityError, PoolUnusableError, ProviderError } from '../errors/index.js';
import { parsePoolId } from '../pools/index.js';
import type { ComputeProvider, InstanceInfo } from '../ports/compute-provider.js';
import type { Market } from '../ports/types.js';
import { useContractSubject, type ContractOptions } from './contract.js';

/** A compute provider under test and the pools it can launch in. */
export interface ComputeProviderFixture {
  readonly compute: ComputeProvider;
  /** At least two pools the provider can launch in (spot and on-demand). */
  readonly pools: readonly string[];
  /** A pool it cannot use (an AZ without a subnet, a fault injected). */
  readonly unusablePool: string;
}

export interface ComputeProviderContractOptions extends ContractOptions<ComputeProviderFixture> {
  /**
   * Promises an emulator does not keep, whose cases are skipped there (moto ignores EC2's `ClientToken`):
   * cover them with wire-format fakes instead. @default []
   */
  readonly gaps?: readonly 'launch-idempotency'[];
}

const live = (i: InstanceInfo | undefined) => i !== undefined && (i.state === 'pending' || i.state === 'running');
const ending = new Set(['shutting-down', 'terminated']);

/**
 * The {@link ComputeProvider} contract: launches land in the requested pool and market and run; the same
 * token launches once; terminate ends an instance and may be repeated; an unusable pool is refused with
 * an error that makes the core try the next pool; an aborted call rejects with the signal's reason;
 * snapshots are idempotent per token and restore into a new instance; `listLaunched` lists a launch with
 * its agent, role and cause until it is terminated.
 * @example
 * runComputeProviderContract({ name: 'simulated', setup: async () => ({ subject: { compute, pools, unusablePool } }) });
 */
export function runComputeProviderContract(options: ComputeProviderContractOptions): void {
  const gaps = new Set(options.gaps ?? []);
  describe(`ComputeProvider contract (${options.name})`, () => {
    let f: ComputeProviderFixture;
    useContractSubject(options, (subject) => (f = subject));
    const request = (poolId: string, market: Market = 'spot') => ({ agentId: 'contract-agent', poolId, role: 'replica' as const, market });

    it('launches in the requested pool and market; describe finds the instance and waitUntilRunning sees it run', async () => {
      const launched = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:launch' });
      expect(launched).toMatchObject({ poolId: f.pools[0], market: 'spot' });
      expect(live(launched)).toBe(true);
      const running = await f.compute.waitUntilRunning(launched.instanceId);
      expect(running).toMatchObject({ instanceId: launched.instanceId, poolId: f.pools[0], state: 'running' });
      expect(await f.compute.describe(launched.instanceId)).toMatchObject({ instanceId: launched.instanceId, poolId: f.pools[0], market: 'spot' });
      await f.compute.terminate(launched.instanceId);
    });

    it.skipIf(gaps.has('launch-idempotency'))('the same idempotency token launches once, also when it asks for another pool; another token launches another instance', async () => {
      const a = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:same' });
      const again = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:same' });
      // A cause tries its pools in turn under one token: a launch with it answers the instance it has.
      const elsewhere = await f.compute.launch(request(f.pools[1]!), { idempotencyToken: 'contract:same' });
      const other = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:other' });
      expect(again.instanceId).toBe(a.instanceId);
      expect(elsewhere).toMatchObject({ instanceId: a.instanceId, poolId: f.pools[0] });
      expect(other.instanceId).not.toBe(a.instanceId);
      for (const i of [a, other]) await f.compute.terminate(i.instanceId);
    });

    it('terminate ends the instance and may be repeated', async () => {
      const launched = await f.compute.launch(request(f.pools[1]!, 'on-demand'), { idempotencyToken: 'contract:terminate' });
      expect(launched.market).toBe('on-demand');
      await f.compute.terminate(launched.instanceId);
      await f.compute.terminate(launched.instanceId);
      const after = await f.compute.describe(launched.instanceId);
      expect(after === undefined || ending.has(after.state)).toBe(true);
      await expect(f.compute.waitUntilRunning(launched.instanceId)).rejects.toThrow();
    });

    it('listLaunched lists a launch with its agent, role and the cause it was launched for, until it is terminated', async () => {
      const launched = await f.compute.launch({ ...request(f.pools[0]!), causeId: 'contract~cause' }, { idempotencyToken: 'contract:listed' });
      const listed = (await f.compute.listLaunched()).find((i) => i.instanceId === launched.instanceId);
      expect(listed).toMatchObject({ agentId: 'contract-agent', role: 'replica', poolId: f.pools[0], causeId: 'contract~cause' });
      await f.compute.terminate(launched.instanceId);
      const after = (await f.compute.listLaunched()).find((i) => i.instanceId === launched.instanceId);
      expect(after === undefined || ending.has(after.state)).toBe(true);
    });

    it('a pool the provider cannot use is refused with an error that lets the core try the next pool', async () => {
      const error = await f.compute.launch(request(f.unusablePool), { idempotencyToken: 'contract:unusable' }).catch((e: unknown) => e);
      expect(error instanceof PoolUnusableError || error instanceof CapacityError).toBe(true);
      expect(error).toMatchObject({ poolId: f.unusablePool });
    });

    it('a call whose signal is already aborted rejects with the signal reason', async () => {
      const reason = new Error('contract deadline');
      const signal = AbortSignal.abort(reason);
      await expect(f.compute.launch(request(f.pools[0]!), { signal, idempotencyToken: 'contract:aborted' })).rejects.toBe(reason);
      await expect(f.compute.describe('i-00000000000000000', { signal })).rejects.toBe(reason);
    });

    it('snapshots are idempotent per token and a launch from them gives a new instance', async ({ skip }) => {
      if (!f.compute.capabilities.snapshots) skip();
      const source = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:source' });
      await f.compute.waitUntilRunning(source.instanceId);
      const first = await f.compute.snapshot(source.instanceId, { idempotencyToken: 'contract:snap' });
      const retry = await f.compute.snapshot(source.instanceId, { idempotencyToken: 'contract:snap' });
      expect(first.snapshotIds.length).toBeGreaterThan(0);
      expect([...retry.snapshotIds].sort()).toEqual([...first.snapshotIds].sort());
      const restored = await f.compute.launch({ ...request(f.pools[1]!), role: 'primary', snapshotIds: first.snapshotIds }, { idempotencyToken: 'contract:restore' });
      expect(restored.instanceId).not.toBe(source.instanceId);
      expect(restored.poolId).toBe(f.pools[1]);
      for (const i of [source, restored]) await f.compute.terminate(i.instanceId);
    });

    it('restoreInto puts snapshots into a running instance, idempotent per token; without the capability it is refused', async () => {
      const source = await f.compute.launch(request(f.pools[0]!), { idempotencyToken: 'contract:into-source' });
      const target = await f.compute.launch(request(f.pools[1]!), { idempotencyToken: 'contract:into-target' });
      await f.compute.waitUntilRunning(source.instanceId);
      await f.compute.waitUntilRunning(target.instanceId);
      const expected = f.compute.expectedLatencies;
      for (const ms of Object.values(expected)) expect(Number.isFinite(ms) && ms >= 0).toBe(true);
      if (!f.compute.capabilities.restoreInto || !f.compute.capabilities.snapshots) {
        await expect(f.compute.restoreInto(target.instanceId, ['snap-0'], { idempotencyToken: 'contract:into' })).rejects.toBeInstanceOf(ProviderError);
      } else {
        const { snapshotIds } = await f.compute.snapshot(source.instanceId, { idempotencyToken: 'contract:into-snap' });
        await f.compute.restoreInto(target.instanceId, snapshotIds, { idempotencyToken: 'contract:into' });
        await f.compute.restoreInto(target.instanceId, snapshotIds, { idempotencyToken: 'contract:into' });
        expect(await f.compute.describe(target.instanceId)).toMatchObject({ instanceId: target.instanceId, state: 'running' });
      }
      for (const i of [source, target]) await f.compute.terminate(i.instanceId);
    });

    it('any sequence of launches gives distinct instances, each described in its pool and market (property)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ pool: fc.constantFrom(...f.pools), market: fc.constantFrom<Market>('spot', 'on-demand') }), { minLength: 1, maxLength: 4 }), async (launches) => {
          run++;
          const ids = new Set<string>();
          for (const [k, l] of launches.entries()) {
            const info = await f.compute.launch(request(l.pool, l.market), { idempotencyToken: `contract:prop:${run}:${k}` });
            expect(parsePoolId(info.poolId)).toBeDefined();
            expect(await f.compute.describe(info.instanceId)).toMatchObject({ poolId: l.pool, market: l.market });
            ids.add(info.instanceId);
          }
          expect(ids.size).toBe(launches.length);
          for (const id of ids) await f.compute.terminate(id);
        }),
        { numRuns: options.propertyRuns ?? 25 },
      );
    });
  });
}
