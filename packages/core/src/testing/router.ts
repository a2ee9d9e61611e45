import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Router } from '../ports/router.js';
import { useContractSubject, type ContractOptions } from './contract.js';

/** A router under test, an agent it can route, and running instances to route it to. */
export interface RouterFixture {
  readonly router: Router;
  readonly agentId: string;
  /** At least two running instances. */
  readonly instances: readonly string[];
}

/**
 * The {@link Router} contract: `current` is the instance last routed to, routing again to it changes
 * nothing, and an aborted call rejects with the signal's reason.
 * @example
 * runRouterContract({ name: 'simulated', setup: async () => ({ subject: { router, agentId: 'a1', instances } }) });
 */
export function runRouterContract(options: ContractOptions<RouterFixture>): void {
  describe(`Router contract (${options.name})`, () => {
    let f: RouterFixture;
    useContractSubject(options, (subject) => (f = subject));

    it('current is the instance last routed to; routing to it again keeps it', async () => {
      const [a, b] = f.instances as [string, string];
      await f.router.route(f.agentId, a);
      expect(await f.router.current(f.agentId)).toBe(a);
      await f.router.route(f.agentId, b);
      await f.router.route(f.agentId, b);
      expect(await f.router.current(f.agentId)).toBe(b);
    });

    it('a call whose signal is already aborted rejects with the signal reason', async () => {
      const reason = new Error('contract deadline');
      await expect(f.router.route(f.agentId, f.instances[0]!, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });

    it('after any sequence of routes, current is the last one (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom(...f.instances), { minLength: 1, maxLength: 5 }), async (targets) => {
          for (const t of targets) await f.router.route(f.agentId, t);
          expect(await f.router.current(f.agentId)).toBe(targets.at(-1));
        }),
        { numRuns: options.propertyRuns ?? 25 },
      );
    });
  });
}
