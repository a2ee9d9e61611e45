import { describe, expect, it } from 'vitest';
import { ServiceLedger } from '../src/run/service-ledger.js';

describe('service ledger (downtime accounting)', () => {
  it('a reroute is a blip; a snapshot freezes until the next reroute ends; a dead routed instance is down until rerouted', () => {
    let now = 0;
    const ledger = new ServiceLedger(() => now);
    ledger.rerouteStarted('a');
    now = 2_000;
    ledger.rerouteEnded('a', 'i-1');
    expect(ledger.served('a')).toBe(true);
    now = 10_000;
    ledger.rerouteStarted('a'); // a promotion's reroute: 1.5 s blip
    now = 11_500;
    ledger.rerouteEnded('a', 'i-2');
    now = 20_000;
    ledger.frozen('a'); // emergency snapshot
    now = 30_000;
    ledger.instanceGone('i-2', 'a');
    now = 120_000;
    ledger.rerouteStarted('a');
    now = 122_000;
    ledger.rerouteEnded('a', 'i-3');
    now = 200_000;
    ledger.instanceGone('i-3', 'a');
    expect(ledger.outages('a', 0, 250_000)).toEqual([
      [0, 2_000],
      [10_000, 11_500],
      [20_000, 122_000],
      [200_000, 250_000],
    ]);
    expect(ledger.outages('a', 5_000, 150_000)).toEqual([
      [10_000, 11_500],
      [20_000, 122_000],
    ]);
  });

  it('a failed reroute leaves the traffic where it was', () => {
    let now = 0;
    const ledger = new ServiceLedger(() => now);
    ledger.rerouteStarted('a');
    ledger.rerouteEnded('a', 'i-1');
    now = 1_000;
    ledger.rerouteStarted('a');
    now = 3_000;
    ledger.rerouteEnded('a', null);
    expect(ledger.routedTo('a')).toBe('i-1');
    expect(ledger.served('a')).toBe(true);
    expect(ledger.outages('a', 0, 10_000)).toEqual([[1_000, 3_000]]);
  });
});
