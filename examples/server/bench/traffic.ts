// The server bench's traffic: agents with a replica report 125 pools every 60 s; each agent's bodies
// alternate the primary's 1,000 reports and the replica's reports of the same observations (3 s later), so
// every primary waits in the dedupe buffer for its twin. With `late`, 1 slot in 10 is held back and sent
// D later (D fixed per agent, 1-6 h), in the body of that time, beside the current reports; the slots
// before the stream's start are late ones only, so late reports come from the first body on.
import { simulatedPools } from '@sef/core';

export const ticksPerBody = 8;
export const tick = 60;
const pools = simulatedPools().map((p) => p.id).slice(0, 125);

export interface BenchAgent {
  readonly id: string;
  readonly primary: string;
  readonly replica: string;
  readonly token: string;
}

export interface Body {
  readonly agent: BenchAgent;
  readonly role: 'primary' | 'replica';
  readonly json: string;
  readonly reports: number;
  /** Of those, late by 1-6 h. */
  readonly late: number;
  /** `agent,pool,timestamp,price` of the primary's reports: the rows SEF stores (twins merge into them). */
  readonly rows: readonly string[];
}

function hash(a: number, b: number, c: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35) ^ Math.imul(c + 0x2545f491, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

const price = (p: number, t: number) => Math.round((0.05 + ((t * 13 + p * 7) % 97) / 10_000) * 1e6) / 1e6;

/**
 * An endless stream of bodies over `agents`, round robin, starting `startSec` (unix seconds, tick-aligned);
 * `pending()` gives the replica bodies still owed for primaries sent (so nothing waits out the twin window).
 */
export function bodies(agents: readonly BenchAgent[], startSec: number, late: boolean): { next: () => Body; pending: () => Body[] } {
  const cursors = agents.map(() => 0);
  const roles = agents.map(() => 'primary' as 'primary' | 'replica');
  // Each agent's delay, in whole bodies: 1-6 h.
  const delays = agents.map((_, a) => ticksPerBody * Math.ceil((60 + (hash(a, 1, 2) % 301)) / ticksPerBody));
  let next = 0;
  const isLate = (a: number, p: number, t: number) => late && hash(a, p, t + 1_000_000) % 10 === 0;
  const body = (a: number): Body => {
    const agent = agents[a]!;
    const role = roles[a]!;
    const t0 = cursors[a]!;
    const parts: string[] = [];
    const rows: string[] = [];
    let lateCount = 0;
    const push = (p: number, t: number) => {
      const ts = startSec + t * tick + (role === 'replica' ? 3 : 0);
      const v = role === 'primary' ? price(p, t) : Math.round(price(p, t) * 1.001 * 1e6) / 1e6;
      parts.push(`{"instanceId":"${role === 'primary' ? agent.primary : agent.replica}","poolId":"${pools[p]}","timestamp":${ts},"price":${v}}`);
      if (role === 'primary') rows.push(`${agent.id},${pools[p]},${new Date((startSec + t * tick) * 1000).toISOString()},${v}`);
    };
    for (let t = t0; t < t0 + ticksPerBody; t++) for (let p = 0; p < pools.length; p++) if (!isLate(a, p, t)) push(p, t);
    const from = t0 - delays[a]!;
    // Before the stream's start too: slots never sent in order, so every late report is a new one.
    if (late) {
      for (let t = from; t < from + ticksPerBody; t++) {
        for (let p = 0; p < pools.length; p++) {
          if (!isLate(a, p, t)) continue;
          push(p, t);
          lateCount++;
        }
      }
    }
    if (role === 'primary') roles[a] = 'replica';
    else {
      roles[a] = 'primary';
      cursors[a] = t0 + ticksPerBody;
    }
    return { agent, role, json: `{"reports":[${parts.join(',')}]}`, reports: parts.length, late: lateCount, rows };
  };
  return {
    next: () => body(next++ % agents.length),
    pending: () => agents.flatMap((_, a) => (roles[a] === 'replica' ? [body(a)] : [])),
  };
}
