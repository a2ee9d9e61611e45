import type { QualityFlag } from '@sef/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ServerSef } from '../sef-api.js';
import type { AlertBook } from './alert-book.js';

const flags: readonly QualityFlag[] = ['single_source', 'verified_dual_source', 'averaged_dual_source', 'interpolated'];
/** The reasons the core's validation gives, each a series at 0 from the start (a new one still counts when it comes). */
const rejectReasons = [
  'invalid_type', 'unrecognized_keys', 'too_long', 'control_character', 'ill_formed', 'invalid_report', 'price_out_of_range', 'timestamp_in_future',
  'timestamp_too_old', 'unknown_pool', 'unknown_agent', 'missing_agent', 'agent_mismatch', 'unknown_instance', 'former_primary_grace_expired', 'observed_after_termination',
] as const;
const orphanReasons = ['unknown_agent', 'no_record', 'ended', 'mode_disabled', 'superseded'] as const;
/** What a failover answered: each kind of notice, and the admin's manual switch. */
const failoverKinds = ['termination-notice', 'rebalance-recommendation', 'manual_switch'] as const;
const failoverName = 'sef_failover_duration_seconds';

/**
 * The Prometheus registry of one server: counters fed by the SEF events of this process, gauges read
 * from the shared storage at scrape time (so every instance behind a load balancer reports the same).
 */
export function createMetrics(sef: ServerSef, alerts: AlertBook): Registry {
  const registry = new Registry();
  // The standard names (process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...) that Node dashboards expect.
  collectDefaultMetrics({ register: registry });

  const accepted = new Counter({ name: 'sef_reports_accepted_total', help: 'Reports accepted, by the role SEF gave their instance', labelNames: ['role'], registers: [registry] });
  const rejected = new Counter({ name: 'sef_reports_rejected_total', help: 'Rejected reports, by reason code (a report with two reasons counts under both)', labelNames: ['reason'], registers: [registry] });
  const merged = new Counter({ name: 'sef_reports_merged_total', help: 'Primary and replica reports merged into one point, by quality flag', labelNames: ['flag'], registers: [registry] });
  const gaps = new Counter({ name: 'sef_gap_events_total', help: 'Gap events: detected, filled, unfillable, retracted (an unfillable gap late reports filled)', labelNames: ['kind'], registers: [registry] });
  const interpolated = new Counter({ name: 'sef_interpolated_points_total', help: 'Points written by interpolation', registers: [registry] });
  const readyTime = new Histogram({ name: 'sef_replica_ready_seconds', help: 'Time from a replica being created to being ready', labelNames: ['replica_type'], buckets: [5, 15, 30, 60, 90, 120, 180, 300, 600], registers: [registry] });
  const failover = new Histogram({
    name: failoverName,
    help: 'Response time of handled interruption notices (by signal) and manual switches (signal="manual_switch"), by success',
    labelNames: ['signal', 'success'],
    buckets: [0.5, 1, 2, 5, 10, 15, 30, 60, 90, 120],
    registers: [registry],
  });
  const orphans = new Counter({
    name: 'sef_orphan_instances_total',
    help: 'Instances SEF launched that the reconciliation sweep found unaccounted for, by reason and outcome (terminated, terminate_failed, spared: launched for a notice still open)',
    labelNames: ['reason', 'outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'sef_active_alerts',
    help: 'Active alerts, by kind',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of alerts.countByKind()) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'sef_points_by_quality_flag',
    help: 'Stored timeline points, by data quality flag',
    labelNames: ['flag'],
    registers: [registry],
    async collect() {
      const counts = await sef.storage.prices.countByFlag();
      for (const flag of flags) this.set({ flag }, counts[flag] ?? 0);
    },
  });

  new Gauge({
    name: 'sef_ingest_lag_seconds',
    help: 'How long the oldest accepted batch not yet stored has waited in the ingest queue (0 when empty)',
    registers: [registry],
    async collect() {
      this.set((await sef.stats()).queueLagMs / 1000);
    },
  });
  new Gauge({
    name: 'sef_ingest_queued_batches',
    help: 'Accepted batches in the ingest queue, not yet stored',
    registers: [registry],
    async collect() {
      this.set((await sef.stats()).queued);
    },
  });

  for (const r of ['primary', 'replica']) accepted.inc({ role: r }, 0);
  for (const reason of rejectReasons) rejected.inc({ reason }, 0);
  for (const flag of ['verified_dual_source', 'averaged_dual_source']) merged.inc({ flag }, 0);
  for (const reason of orphanReasons) for (const outcome of ['terminated', 'terminate_failed', 'spared']) orphans.inc({ reason, outcome }, 0);
  for (const signal of failoverKinds) for (const success of ['true', 'false']) failover.zero({ signal, success });
  for (const k of ['detected', 'filled', 'unfillable', 'retracted']) gaps.inc({ kind: k }, 0);
  sef.on('report.accepted', ({ report }) => accepted.inc({ role: report.role }));
  sef.on('report.rejected', ({ issues }) => {
    for (const reason of new Set(issues.map((i) => i.code))) rejected.inc({ reason });
  });
  sef.on('report.merged', ({ flag }) => merged.inc({ flag }));
  sef.on('gap.detected', () => gaps.inc({ kind: 'detected' }));
  sef.on('gap.filled', ({ points }) => {
    gaps.inc({ kind: 'filled' });
    interpolated.inc(points);
  });
  sef.on('gap.unfillable', () => gaps.inc({ kind: 'unfillable' }));
  sef.on('gap.retracted', () => gaps.inc({ kind: 'retracted' }));
  sef.on('replica.ready', ({ replica }) => {
    if (replica.readyAt !== null) readyTime.observe({ replica_type: replica.replicaType }, (replica.readyAt - replica.createdAt) / 1000);
  });
  sef.on('failover.completed', ({ event }) => failover.observe({ signal: event.signalType, success: 'true' }, (event.responseTimeMs ?? 0) / 1000));
  sef.on('failover.failed', ({ event }) => failover.observe({ signal: event.signalType, success: 'false' }, (event.responseTimeMs ?? 0) / 1000));
  sef.on('instance.orphaned', ({ reason, outcome }) => orphans.inc({ reason, outcome }));
  return registry;
}

/** Counts a manual switch in `sef_failover_duration_seconds` (`signal="manual_switch"`), as its help says. */
export function observeManualSwitch(registry: Registry, seconds: number, success: boolean): void {
  (registry.getSingleMetric(failoverName) as Histogram<'signal' | 'success'> | undefined)?.observe({ signal: 'manual_switch', success: String(success) }, seconds);
}
