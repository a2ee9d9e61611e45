import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotTable } from '../src/dedupe/slot-table.js';

// The memory buffer's column store checked against a plain model: every waiting report readable with its
// own fields, each series' chain newest first with consistent back links, freed slots reused.
interface Row { agent: string; pool: string; instance: string; ts: number; price: number; arrived: number; role: number }

interface Model {
  rows: Map<number, Row>;
  /** Slots of each series, oldest first. */
  chains: Map<string, number[]>;
}

const key = (agent: string, pool: string) => `${agent}\u0000${pool}`;

function insert(table: SlotTable, model: Model, row: Row): number {
  const series = table.seriesIndex(row.agent, row.pool);
  const inst = table.instanceIndex(row.instance);
  table.insert(series, row.ts, row.price, row.arrived, inst, row.role);
  // The slot just written is the head of its series.
  const slot = table.head[series]!;
  model.rows.set(slot, row);
  const chain = model.chains.get(key(row.agent, row.pool)) ?? [];
  chain.push(slot);
  model.chains.set(key(row.agent, row.pool), chain);
  return slot;
}

function remove(table: SlotTable, model: Model, slot: number): void {
  const row = model.rows.get(slot)!;
  table.remove(slot);
  model.rows.delete(slot);
  const chain = model.chains.get(key(row.agent, row.pool))!;
  chain.splice(chain.indexOf(slot), 1);
}

function check(table: SlotTable, model: Model): void {
  expect(table.count).toBe(model.rows.size);
  const used: number[] = [];
  table.forEachUsed((slot) => used.push(slot));
  expect(used).toEqual([...model.rows.keys()].sort((a, b) => a - b));
  for (const [slot, row] of model.rows) {
    expect({
      agent: table.agentOf(slot), pool: table.poolOf(slot), instance: table.instanceOf(slot),
      ts: table.ts[slot], price: table.price[slot], arrived: table.arrived[slot], role: table.role[slot],
    }).toEqual(row);
  }
  for (const [k, chain] of model.chains) {
    const [agent, pool] = k.split('\u0000') as [string, string];
    const series = table.seriesIndex(agent, pool);
    const walked: number[] = [];
    let previous = -1;
    for (let slot = table.head[series]!; slot !== -1; slot = table.next[slot]!) {
      expect(table.prev[slot]).toBe(previous);
      expect(table.series[slot]).toBe(series);
      walked.push(slot);
      previous = slot;
    }
    expect(walked).toEqual([...chain].reverse());
  }
}

const rowArb = fc.record({
  agent: fc.constantFrom('a1', 'a2', 'a3'),
  pool: fc.constantFrom('us-east-1a/m5.large', 'us-east-1b/m5.large'),
  instance: fc.constantFrom('i-1', 'i-2', 'i-3', 'i-4'),
  ts: fc.integer({ min: 0, max: 1e6 }),
  price: fc.double({ min: 0.001, max: 10, noNaN: true }),
  arrived: fc.integer({ min: 0, max: 1e6 }),
  role: fc.constantFrom(0, 1),
});

describe('SlotTable', () => {
  it('keeps every waiting report, its fields and its series chain, through any inserts and removals', () => {
    const op = fc.oneof(
      { weight: 3, arbitrary: rowArb.map((row) => ({ kind: 'insert' as const, row })) },
      { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: 'remove' as const, pick })) },
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
      const table = new SlotTable();
      const model: Model = { rows: new Map(), chains: new Map() };
      for (const o of ops) {
        if (o.kind === 'insert') insert(table, model, o.row);
        else if (model.rows.size > 0) {
          const slots = [...model.rows.keys()];
          remove(table, model, slots[o.pick % slots.length]!);
        }
        check(table, model);
      }
    }), { numRuns: 200 });
  });

  it('reuses a freed slot before taking a new one, the last freed first', () => {
    const table = new SlotTable();
    const model: Model = { rows: new Map(), chains: new Map() };
    const row = (ts: number): Row => ({ agent: 'a', pool: 'p', instance: 'i', ts, price: 1, arrived: ts, role: 0 });
    const [s0, s1, s2] = [insert(table, model, row(0)), insert(table, model, row(1)), insert(table, model, row(2))];
    expect([s0, s1, s2]).toEqual([0, 1, 2]);
    remove(table, model, s0);
    remove(table, model, s2);
    expect(insert(table, model, row(3))).toBe(s2);
    expect(insert(table, model, row(4))).toBe(s0);
    expect(insert(table, model, row(5))).toBe(3);
    check(table, model);
  });

  it('grows past its first 1,024 slots and 1,024 series without losing a report', () => {
    const table = new SlotTable();
    const model: Model = { rows: new Map(), chains: new Map() };
    for (let i = 0; i < 3000; i++) {
      insert(table, model, { agent: `a${i % 1100}`, pool: 'p', instance: `i-${i % 7}`, ts: i, price: 1 + i / 1e4, arrived: 2 * i, role: i % 2 });
    }
    check(table, model);
    expect(table.head.slice(1100).every((h) => h === -1)).toBe(true);
    for (const slot of [...model.rows.keys()]) if (slot % 3 === 0) remove(table, model, slot);
    check(table, model);
  });

  it('lets forEachUsed remove the slot it is visiting', () => {
    const table = new SlotTable();
    const model: Model = { rows: new Map(), chains: new Map() };
    for (let i = 0; i < 10; i++) insert(table, model, { agent: 'a', pool: `p${i % 3}`, instance: 'i', ts: i, price: 1, arrived: i, role: 0 });
    const seen: number[] = [];
    table.forEachUsed((slot) => {
      seen.push(slot);
      if (slot % 2 === 0) remove(table, model, slot);
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    check(table, model);
  });

  it('interns one series per agent and pool, across agents that share pool names', () => {
    const table = new SlotTable();
    const a = table.seriesIndex('a', 'p');
    const b = table.seriesIndex('b', 'p');
    const a2 = table.seriesIndex('a', 'q');
    expect(new Set([a, b, a2]).size).toBe(3);
    expect(table.seriesIndex('b', 'p')).toBe(b);
    expect(table.seriesIndex('a', 'p')).toBe(a);
    expect(table.instanceIndex('i-1')).toBe(table.instanceIndex('i-1'));
    expect(table.instanceIndex('i-2')).not.toBe(table.instanceIndex('i-1'));
    expect(table.instanceIndex('i-2')).toBe(1);
  });
});
