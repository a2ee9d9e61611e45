/** Table names as they appear in SQL: schema-qualified when a schema is given, else found via `search_path`. */
export interface Tables {
  readonly schema: string | undefined;
  readonly migrations: string;
  readonly pools: string;
  readonly agents: string;
  readonly fences: string;
  readonly prices: string;
  readonly replicas: string;
  readonly signals: string;
  readonly systemEvents: string;
  readonly leases: string;
}

/** Quotes an identifier for SQL (`my"schema` → `"my""schema"`). */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The qualified names of every SEF table in `schema` (or unqualified, resolved through `search_path`). */
export function tables(schema?: string): Tables {
  const q = (name: string) => (schema === undefined ? name : `${quoteIdent(schema)}.${name}`);
  return {
    schema,
    migrations: q('sef_migrations'),
    pools: q('pools'),
    agents: q('agents'),
    fences: q('agent_fences'),
    prices: q('pricing_reports'),
    replicas: q('replica_instances'),
    signals: q('spot_interruption_events'),
    systemEvents: q('system_events'),
    leases: q('sef_leases'),
  };
}

/** Milliseconds → timestamptz, in SQL (`$n` is a float8 of unix ms). */
export const fromMs = (param: string): string => `to_timestamp(${param}::float8 / 1000)`;
/** timestamptz → unix ms as float8, in SQL. */
export const toMs = (column: string): string => `(extract(epoch from ${column}) * 1000)::float8`;
/** timestamptz → unix seconds as float8, in SQL. */
export const toSec = (column: string): string => `extract(epoch from ${column})::float8`;
