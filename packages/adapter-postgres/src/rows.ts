import type { PointSource, QualityFlag, StoredPoint } from '@sef/core';

/** A row of {@link pointColumns} in array mode → a point. */
export function pointFromRow(row: readonly unknown[], offset = 0): StoredPoint {
  return {
    agentId: row[offset] as string,
    poolId: row[offset + 1] as string,
    timestamp: row[offset + 2] as number,
    price: row[offset + 3] as number,
    flag: row[offset + 4] as QualityFlag,
    source: row[offset + 5] as PointSource,
    primaryPrice: row[offset + 6] as number | null,
    replicaPrice: row[offset + 7] as number | null,
    replicaTimestamp: row[offset + 8] as number | null,
  };
}

/** A float8 or bigint column as a number (bigint comes as a string from pg). */
export const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
/** Nullable variant of {@link num}. */
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
