import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaseManager } from '../ports/lease-manager.js';
import type { ContractOptions, ContractSetup } from './contract.js';

/** A lease manager under test, with a way to let its time pass (a fake clock, or real waiting for Redis). */
export interface LeaseManagerSetup extends ContractSetup<LeaseManager> {
  /** Lets `ms` of the lease manager's time pass. */
  readonly advance: (ms: number) => Promise<void>;
}

export interface LeaseManagerContractOptions extends Omit<ContractOptions<LeaseManager>, 'setup'> {
  readonly setup: () => Promise<LeaseManagerSetup>;
  /** Lease time-to-live used by the expiry tests; keep it short when time passes for real. @default 1000 */
  readonly ttlMs?: number;
}

/**
 * The {@link LeaseManager} contract: one holder at a time (also 30 racing acquirers), expiry, renew and
 * release only by the holder, and tokens that grow with every acquisition (property).
 * @example
 * runLeaseManagerContract({ name: 'memory', setup: async () => { const clock = createFakeClock();
 *   return { subject: createMemoryLeaseManager({ clock }), advance: (ms) => clock.advance(ms) }; } });
 */
export function runLeaseManagerContract(options: LeaseManagerContractOptions): void {
  const ttl = options.ttlMs ?? 1000;
  describe(`LeaseManager contract (${options.name})`, () => {
    let leases: LeaseManager;
    let advance: (ms: number) => Promise<void>;
    let teardown: (() => Promise<void>) | undefined;
    beforeEach(async () => {
      const s = await options.setup();
      leases = s.subject;
      advance = s.advance;
      teardown = s.teardown;
    });
    afterEach(async () => teardown?.());

    it('gives a free key to one owner and refuses it to others until it is released', async () => {
      const a = await leases.acquire('agent:a1', 'sef-1', ttl);
      expect(a).toMatchObject({ key: 'agent:a1', owner: 'sef-1' });
      expect(await leases.acquire('agent:a1', 'sef-2', ttl)).toBeNull();
      expect(await leases.acquire('agent:a2', 'sef-2', ttl)).not.toBeNull();
      await leases.release({ ...a!, owner: 'sef-2' });
      expect(await leases.acquire('agent:a1', 'sef-2', ttl)).toBeNull();
      await leases.release(a!);
      const b = await leases.acquire('agent:a1', 'sef-2', ttl);
      expect(b?.owner).toBe('sef-2');
      expect(b!.token).toBeGreaterThan(a!.token);
    });

    it('of 30 racing acquirers of one key exactly one gets it', async () => {
      // A long lease: on a busy machine 30 calls may take longer than the short expiry-test TTL, and then a second owner is right.
      const got = await Promise.all(Array.from({ length: 30 }, (_, i) => leases.acquire('agent:a1', `sef-${i}`, 60_000)));
      expect(got.filter((l) => l !== null)).toHaveLength(1);
    });

    it('lets an expired lease be taken over with a higher token; the old holder can neither renew nor release it', async () => {
      const a = (await leases.acquire('agent:a1', 'sef-1', ttl))!;
      await advance(ttl + Math.max(20, ttl / 2));
      const b = (await leases.acquire('agent:a1', 'sef-2', ttl))!;
      expect(b).not.toBeNull();
      expect(b.token).toBeGreaterThan(a.token);
      expect(await leases.renew(a, ttl)).toBeNull();
      await leases.release(a);
      expect(await leases.acquire('agent:a1', 'sef-3', ttl)).toBeNull();
    });

    it('renews a held lease for the ttl it is given, keeping its token: held past the first expiry, free after the new one', async () => {
      // Margins of a whole ttl on each side of every check, so that a slow machine cannot flip them when
      // time passes for real: renewed for 4 ttl at ttl/2, it is checked at 2 ttl (one ttl after the first
      // expiry, 2.5 ttl before the new one) and at 5.5 ttl (one ttl after the new one).
      const a = (await leases.acquire('agent:a1', 'sef-1', ttl))!;
      await advance(ttl / 2);
      const r = (await leases.renew(a, 4 * ttl))!;
      expect(r.token).toBe(a.token);
      expect(r.expiresAt - a.expiresAt).toBeGreaterThanOrEqual(3.5 * ttl);
      await advance(1.5 * ttl);
      expect(await leases.acquire('agent:a1', 'sef-2', ttl)).toBeNull();
      await advance(3.5 * ttl);
      const b = (await leases.acquire('agent:a1', 'sef-2', ttl))!;
      expect(b).not.toBeNull();
      expect(b.token).toBeGreaterThan(a.token);
    });

    it('issues a token above `above` (the highest a store has seen), and later tokens keep growing from there', async () => {
      const a = (await leases.acquire('agent:a1', 'sef-1', ttl))!;
      await leases.release(a);
      const b = (await leases.acquire('agent:a1', 'sef-1', ttl, { above: a.token + 41 }))!;
      expect(b.token).toBe(a.token + 42);
      await leases.release(b);
      // A lower floor changes nothing: the counter never goes back.
      const c = (await leases.acquire('agent:a1', 'sef-2', ttl, { above: 1 }))!;
      expect(c.token).toBe(b.token + 1);
      await leases.release(c);
      expect((await leases.acquire('agent:a2', 'sef-1', ttl, { above: 7 }))!.token).toBe(8);
    });

    it('issues ever greater tokens per key over any sequence of acquire and release (property)', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean()), { minLength: 1, maxLength: 15 }), async (ops) => {
          const key = `agent:p${n++}`;
          let held: Awaited<ReturnType<LeaseManager['acquire']>> = null;
          let last = 0;
          for (const [who, release] of ops) {
            if (release && held) {
              await leases.release(held);
              held = null;
              continue;
            }
            const l = await leases.acquire(key, `sef-${who}`, 60_000);
            if (held) expect(l).toBeNull();
            else {
              expect(l!.token).toBeGreaterThan(last);
              last = l!.token;
              held = l;
            }
          }
          if (held) await leases.release(held);
        }),
        { numRuns: options.propertyRuns ?? 100 },
      );
    });
  });
}
