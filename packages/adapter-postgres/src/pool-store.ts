import type { PoolRecord, PoolStore } from '@sef/core';
import { query, type Db } from './db.js';
import type { Tables } from './tables.js';

const poolFromRow = (r: Record<string, unknown>): PoolRecord => ({
  id: r['id'] as string,
  region: r['region'] as string,
  availabilityZone: r['availability_zone'] as string,
  instanceType: r['instance_type'] as string,
});

/** The {@link PoolStore} on `pools`: one set-based upsert per call, `known` as one `= ANY` lookup. */
export function createPostgresPoolStore(db: Db, t: Tables): PoolStore {
  const select = `SELECT id, region, availability_zone, instance_type FROM ${t.pools}`;
  return {
    async upsert(pools) {
      if (pools.length === 0) return;
      // The last record of an id wins, as with repeated single upserts; ON CONFLICT must see each id once.
      const byId = new Map(pools.map((p) => [p.id, p]));
      const list = [...byId.values()];
      await query(
        db,
        'PoolStore.upsert',
        `INSERT INTO ${t.pools} (id, region, availability_zone, instance_type)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (id) DO UPDATE SET region = excluded.region, availability_zone = excluded.availability_zone,
           instance_type = excluded.instance_type`,
        [list.map((p) => p.id), list.map((p) => p.region), list.map((p) => p.availabilityZone), list.map((p) => p.instanceType)],
      );
    },
    async get(id) {
      const rows = await query(db, 'PoolStore.get', `${select} WHERE id = $1`, [id]);
      return rows[0] && poolFromRow(rows[0]);
    },
    async list() {
      return (await query(db, 'PoolStore.list', `${select} ORDER BY id`)).map(poolFromRow);
    },
    async known(ids) {
      if (ids.length === 0) return new Set();
      const rows = await query<{ id: string }>(db, 'PoolStore.known', `SELECT id FROM ${t.pools} WHERE id = ANY($1::text[])`, [[...new Set(ids)]]);
      return new Set(rows.map((r) => r.id));
    },
  };
}
