import { afterEach, describe, expect, it } from 'vitest';
import { register } from './support/endpoint-suite.js';
import { bearer, startServer, type Harness } from './support/harness.js';
import { readyReplica } from './support/replica-suite.js';

/** `name{labels} value` → the metric families and their series. */
const series = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const types = (text: string) => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('/metrics follows Prometheus naming', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('standard process and Node names, counters ending in _total, base units, zero series for every known label value', async () => {
    h = await startServer('embedded');
    const text = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    const t = types(text);
    // The names Node dashboards query, with no prefix of ours.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_version_info']) {
      expect(t.has(name), name).toBe(true);
    }
    expect(text).not.toMatch(/sef_process_/);
    for (const [name, type] of t) {
      if (type === 'counter') expect(name, `${name} is a counter`).toMatch(/_total$/);
      if (name.startsWith('sef_')) expect(name, `${name}: base units`).not.toMatch(/_(ms|milliseconds|minutes|hours|kb|mb)(_|$)/);
      if (name.startsWith('sef_') && type !== 'counter') expect(name).not.toMatch(/_total$/);
    }
    // Every reason, flag, outcome and kind is there at 0 before anything happened.
    const lines = series(text);
    for (const reason of ['unknown_pool', 'unknown_instance', 'price_out_of_range', 'timestamp_too_old', 'timestamp_in_future', 'unknown_agent']) {
      expect(lines).toContain(`sef_reports_rejected_total{reason="${reason}"} 0`);
    }
    for (const flag of ['verified_dual_source', 'averaged_dual_source']) expect(lines).toContain(`sef_reports_merged_total{flag="${flag}"} 0`);
    for (const kind of ['detected', 'filled', 'unfillable', 'retracted']) expect(lines).toContain(`sef_gap_events_total{kind="${kind}"} 0`);
    for (const outcome of ['terminated', 'terminate_failed']) expect(lines).toContain(`sef_orphan_instances_total{reason="no_record",outcome="${outcome}"} 0`);
    for (const signal of ['termination-notice', 'rebalance-recommendation', 'manual_switch']) {
      for (const success of ['true', 'false']) expect(lines).toContain(`sef_failover_duration_seconds_count{signal="${signal}",success="${success}"} 0`);
    }
  });

  it('a manual switch is counted in sef_failover_duration_seconds (signal="manual_switch"); a refused one is not', async () => {
    h = await startServer('embedded');
    const { token } = await register(h, 'a1');
    const post = (url: string) => h.app.inject({ method: 'POST', url, headers: bearer(h.adminToken) });
    expect((await post('/api/agents/a1/manual-switch')).statusCode).toBe(409);
    await readyReplica(h, 'a1', token);
    const switched = await post('/api/agents/a1/manual-switch');
    expect(switched.statusCode, switched.body).toBe(200);
    const lines = series((await h.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(lines).toContain('sef_failover_duration_seconds_count{signal="manual_switch",success="true"} 1');
    expect(lines).toContain('sef_failover_duration_seconds_count{signal="manual_switch",success="false"} 0');
  });
});
