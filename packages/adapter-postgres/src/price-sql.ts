import type { Tables } from './tables.js';

/** Columns of a point, in the order of {@link pointFromRow}. */
export const pointColumns = `agent_id, pool_id, extract(epoch from "timestamp")::float8 AS ts, price, data_quality_flag, source,
  primary_price, replica_price, extract(epoch from replica_timestamp)::float8 AS replica_ts`;

/** The SQL of the price store, built once per storage. */
export function priceSql(t: Tables) {
  // Series locks live in their own space: (table oid folded into int4, hash of the series).
  const lockSpace = `(('${t.prices}'::regclass::oid::bigint % 2147483647)::int4)`;
  const realBefore = (op: '<' | '>', order: 'DESC' | 'ASC', bound: string) => `(SELECT p."timestamp" FROM ${t.prices} p
      WHERE p.agent_id = r.agent_id AND p.pool_id = r.pool_id AND p."timestamp" ${op} ${bound}
        AND p.data_quality_flag <> 'interpolated'
      ORDER BY p."timestamp" ${order} LIMIT 1)`;
  return {
    /** Takes the series locks in the order given (sorted by the caller, so two callers never deadlock). */
    lock: `SELECT count(pg_advisory_xact_lock(${lockSpace}, k)) FROM unnest($1::int4[]) AS k`,
    /**
     * Every requested window widened to its neighbouring real points, one row per point (or one row with
     * null point columns for an empty window): request index, left, right, then the point.
     */
    windows: `WITH r AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::float8[], $4::float8[]) WITH ORDINALITY AS r(agent_id, pool_id, f, t, i)
  ), b AS (
    SELECT r.i, r.agent_id, r.pool_id, r.f, r.t,
      ${realBefore('<', 'DESC', 'to_timestamp(r.f)')} AS lo,
      ${realBefore('>', 'ASC', 'to_timestamp(r.t)')} AS hi
    FROM r
  )
  SELECT b.i, coalesce(extract(epoch from b.lo)::float8, b.f) AS "left", coalesce(extract(epoch from b.hi)::float8, b.t) AS "right", w.*
  FROM b LEFT JOIN LATERAL (
    SELECT ${pointColumns} FROM ${t.prices} p
    WHERE p.agent_id = b.agent_id AND p.pool_id = b.pool_id
      AND p."timestamp" >= coalesce(b.lo, to_timestamp(b.f)) AND p."timestamp" <= coalesce(b.hi, to_timestamp(b.t))
    ORDER BY p."timestamp"
  ) w ON true
  ORDER BY b.i, w.ts`,
    remove: `DELETE FROM ${t.prices} p USING unnest($1::text[], $2::text[], $3::float8[]) AS d(agent_id, pool_id, ts)
  WHERE p.agent_id = d.agent_id AND p.pool_id = d.pool_id AND p."timestamp" = to_timestamp(d.ts)`,
    /** Upserts from any relation `src` with the staging columns; rows that would not change are left alone. */
    upsertFrom: (src: string) => `INSERT INTO ${t.prices} AS p
    (agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price, replica_price, replica_timestamp)
  SELECT agent_id, pool_id, to_timestamp(ts), price, flag, source, primary_price, replica_price, to_timestamp(replica_ts) FROM ${src}
  ON CONFLICT (agent_id, pool_id, "timestamp") DO UPDATE SET
    price = excluded.price, data_quality_flag = excluded.data_quality_flag, source = excluded.source,
    primary_price = excluded.primary_price, replica_price = excluded.replica_price, replica_timestamp = excluded.replica_timestamp
  WHERE (p.price, p.data_quality_flag, p.source, p.primary_price, p.replica_price, p.replica_timestamp)
    IS DISTINCT FROM (excluded.price, excluded.data_quality_flag, excluded.source, excluded.primary_price, excluded.replica_price, excluded.replica_timestamp)`,
    unnestSource: `unnest($1::text[], $2::text[], $3::float8[], $4::float8[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::float8[])
    AS s(agent_id, pool_id, ts, price, flag, source, primary_price, replica_price, replica_ts)`,
    stageCreate: `CREATE TEMP TABLE IF NOT EXISTS sef_price_stage (
    agent_id text, pool_id text, ts float8, price float8, flag text, source text,
    primary_price float8, replica_price float8, replica_ts float8) ON COMMIT DELETE ROWS`,
    stageCopy: `COPY sef_price_stage FROM STDIN`,
    /** COPY of rows known to be new straight into the table (see `splitFresh`). */
    copyFresh: `COPY ${t.prices} (agent_id, pool_id, "timestamp", price, data_quality_flag, source, primary_price, replica_price, replica_timestamp) FROM STDIN WITH (FORMAT binary)`,
    timeline: `SELECT ${pointColumns} FROM ${t.prices}
  WHERE agent_id = $1 AND pool_id = $2 AND "timestamp" >= to_timestamp($3) AND "timestamp" <= to_timestamp($4)
  ORDER BY "timestamp"`,
    seriesOf: `SELECT DISTINCT pool_id FROM ${t.prices} WHERE agent_id = $1 ORDER BY pool_id`,
    countByFlag: `SELECT data_quality_flag AS flag, count(*)::int AS n FROM ${t.prices}
  WHERE $1::text IS NULL OR agent_id = $1 GROUP BY data_quality_flag`,
  };
}
