import type { Tables } from './tables.js';

/** One schema change. Versions only grow; a released migration is never edited, only followed by a new one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (t: Tables) => string;
}

/** Every migration, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: (t) => `
CREATE TABLE ${t.pools} (
  id text PRIMARY KEY,
  region text NOT NULL,
  availability_zone text NOT NULL,
  instance_type text NOT NULL
);

CREATE TABLE ${t.agents} (
  id text PRIMARY KEY,
  region text NOT NULL,
  pool_id text NOT NULL,
  primary_instance_id text NOT NULL,
  primary_launched_at timestamptz NOT NULL,
  replica_instance_id text,
  auto_switch_enabled boolean NOT NULL DEFAULT false,
  auto_terminate_enabled boolean NOT NULL DEFAULT false,
  manual_replica_enabled boolean NOT NULL DEFAULT false,
  token_hash text,
  version integer NOT NULL DEFAULT 1,
  fencing_token bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chk_replica_mode_exclusion
    CHECK (NOT (manual_replica_enabled AND (auto_switch_enabled OR auto_terminate_enabled)))
);
CREATE INDEX agents_primary_instance_idx ON ${t.agents} (primary_instance_id);
CREATE INDEX agents_replica_instance_idx ON ${t.agents} (replica_instance_id) WHERE replica_instance_id IS NOT NULL;

-- Highest fencing token seen per agent id, by every store; the row is locked by each fenced write.
CREATE TABLE ${t.fences} (
  agent_id text PRIMARY KEY,
  fencing_token bigint NOT NULL
);

CREATE TABLE ${t.prices} (
  agent_id text NOT NULL,
  pool_id text NOT NULL,
  "timestamp" timestamptz NOT NULL,
  price double precision NOT NULL,
  data_quality_flag text NOT NULL
    CHECK (data_quality_flag IN ('single_source', 'verified_dual_source', 'averaged_dual_source', 'interpolated')),
  processed_by text NOT NULL DEFAULT 'smart_emergency_fallback',
  source text NOT NULL CHECK (source IN ('primary', 'replica', 'dual', 'interpolated')),
  primary_price double precision,
  replica_price double precision,
  replica_timestamp timestamptz,
  -- Led by the series: every read and write of the store is per series, over a time range.
  CONSTRAINT pricing_reports_pkey PRIMARY KEY (agent_id, pool_id, "timestamp")
);
-- Points arrive roughly in time order, so a BRIN index serves the per-day monitoring query almost for free.
CREATE INDEX pricing_reports_timestamp_brin ON ${t.prices} USING brin ("timestamp");

CREATE TABLE ${t.replicas} (
  id text PRIMARY KEY,
  agent_id text NOT NULL,
  instance_id text,
  pool_id text NOT NULL,
  market text NOT NULL CHECK (market IN ('spot', 'on-demand')),
  replica_type text NOT NULL CHECK (replica_type IN ('auto', 'manual', 'emergency')),
  status text NOT NULL CHECK (status IN ('launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed')),
  created_at timestamptz NOT NULL,
  ready_at timestamptz,
  ended_at timestamptz,
  cause_id text NOT NULL
);
CREATE INDEX replica_instances_agent_idx ON ${t.replicas} (agent_id, created_at);
CREATE INDEX replica_instances_instance_idx ON ${t.replicas} (instance_id) WHERE instance_id IS NOT NULL;
CREATE INDEX replica_instances_created_idx ON ${t.replicas} (created_at);

CREATE TABLE ${t.signals} (
  id text PRIMARY KEY,
  agent_id text NOT NULL,
  instance_id text NOT NULL,
  pool_id text NOT NULL,
  signal_type text NOT NULL CHECK (signal_type IN ('rebalance-recommendation', 'termination-notice')),
  detected_at timestamptz NOT NULL,
  notice_time timestamptz NOT NULL,
  action_time timestamptz,
  response_time_ms double precision,
  success boolean,
  outcome text,
  steps jsonb NOT NULL DEFAULT '[]',
  -- Arrival order, to list signals detected at the same time in the order they were recorded.
  seq bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX spot_interruption_events_detected_idx ON ${t.signals} (detected_at);
CREATE INDEX spot_interruption_events_pool_idx ON ${t.signals} (pool_id, detected_at);

CREATE TABLE ${t.systemEvents} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_type text NOT NULL,
  agent_id text,
  created_at timestamptz NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX system_events_created_idx ON ${t.systemEvents} (created_at);
`,
  },
  {
    version: 2,
    name: 'leases with fencing tokens',
    sql: (t) => `
-- One row per lease key, kept after release so that its token only ever grows.
CREATE TABLE ${t.leases} (
  lease_key text PRIMARY KEY,
  owner text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'notices as resumable state machines',
    sql: (t) => `
-- The instance's role when the notice was first received; older rows: the first of each notice time was the primary's.
ALTER TABLE ${t.signals} ADD COLUMN instance_role text NOT NULL DEFAULT 'primary' CHECK (instance_role IN ('primary', 'replica'));
UPDATE ${t.signals} s SET instance_role = 'replica'
  WHERE EXISTS (SELECT 1 FROM ${t.signals} o WHERE o.agent_id = s.agent_id AND o.signal_type = s.signal_type
                AND o.notice_time = s.notice_time AND o.seq < s.seq);
ALTER TABLE ${t.signals} ALTER COLUMN instance_role DROP DEFAULT;
ALTER TABLE ${t.signals} ADD COLUMN deadline timestamptz;
UPDATE ${t.signals} SET deadline = coalesce(action_time, detected_at + interval '120 seconds');
ALTER TABLE ${t.signals} ALTER COLUMN deadline SET NOT NULL;
-- The pin of a notice sent without its instance: one primary notice per agent, signal type and notice time.
CREATE UNIQUE INDEX spot_interruption_events_primary_notice_idx ON ${t.signals} (agent_id, signal_type, notice_time) WHERE instance_role = 'primary';
-- What a process resumes: notices not completed, earliest deadline first.
CREATE INDEX spot_interruption_events_open_idx ON ${t.signals} (deadline) WHERE success IS NULL;
`,
  },
  {
    version: 4,
    name: 'active replicas index',
    sql: (t) => `
-- What the housekeeping sweep reads every cleanupInterval (ReplicaStore.listActive): the few replicas not yet ended.
CREATE INDEX replica_instances_active_idx ON ${t.replicas} (created_at, id) WHERE status IN ('launching', 'syncing', 'ready');
`,
  },
];
