import { describe, expect, it } from 'vitest';
import { createHarness, recordCalls, T0, type Harness } from './replica-harness.js';

/** An agent with a ready replica (the failover bench's agents), set up behind the harness's back. */
async function withReadyReplica(h: Harness) {
  await h.agent('a1');
  h.cloud.compute.addRunning({ instanceId: 'i-a1-r', poolId: 'us-east-1b:c5.large', agentId: 'a1', launchedAt: T0 - 600_000 });
  await h.storage.replicas.create({
    id: 'r-a1', agentId: 'a1', instanceId: 'i-a1-r', poolId: 'us-east-1b:c5.large', market: 'spot', replicaType: 'auto', status: 'ready',
    createdAt: T0 - 600_000, readyAt: T0 - 500_000, endedAt: null, causeId: 'c-a1',
  });
  const agent = (await h.storage.agents.get('a1'))!;
  await h.storage.agents.update('a1', agent.version, { replicaInstanceId: 'i-a1-r' });
}

describe('the failover decision asks its dependencies for the least that keeps it durable and fenced', () => {
  it('notice for the primary of an agent with a ready replica → reroute: the insert, the lease, one fenced read, the agent and its replicas read together, two step saves and the two promotion writes', async () => {
    const calls: string[] = [];
    const h = createHarness({ wrap: (_, deps) => recordCalls(deps, calls) });
    await withReadyReplica(h);
    const { handled, event } = await h.settle(h.sef.handleSignal({ ...h.cloud.signals.notice('i-a1', 'termination-notice'), agentId: 'a1' }));
    expect(handled).toBe(true);
    expect(event).toMatchObject({ success: true, outcome: 'promoted' });
    const beforeRoute = calls.slice(0, calls.indexOf('router.route'));
    expect(beforeRoute).toEqual([
      'agents.get', // the notice's agent (the server passes the record its authentication read)
      'events.recordSignal', // the notice, exactly once: the ack
      'leases.acquire', // the agent's lease, its token from the lease manager's counter
      'events.getSignal', // fenced read: registers the token, then where the notice stands
      // decide_path only reads: its start is not saved (a death in it leaves nothing to resume)
      'agents.get', // the decision's reads, at once
      'replicas.listByAgent',
      'events.saveSteps', // decide_path ended + promote started
      'replicas.transition', // the replica promoted (fenced)
      'agents.update', // the agent's primary (fenced, compare-and-set on the version just read)
      'events.saveSteps', // promote ended + reroute started: also the fencing check before the call
    ]);
    // Each step's start and end are in the record.
    expect(event.steps.slice(0, 3)).toMatchObject([
      { name: 'decide_path', ok: true },
      { name: 'promote', ok: true },
      { name: 'reroute', ok: true },
    ]);
  });
});
