import { existsSync } from 'node:fs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { createEc2PriceFeed, createImdsClient, createImdsSignalSource } from '@sef/adapter-aws';
import { createSimulatedCloud, parsePoolId, systemClock, type Clock, type PriceFeed } from '@sef/core';
import type { AgentConfig } from './config.js';
import { startHeartbeat } from './heartbeat.js';
import { createSefHttp } from './http.js';
import { waitForInstanceId } from './instance-id.js';
import type { Log } from './log.js';
import { startNoticeForwarder } from './notice-forwarder.js';
import { startPriceSampler } from './price-sampler.js';
import { createReporter, type Reporter } from './reporter.js';
import { openSpool } from './spool.js';

/** A running agent. */
export interface RunningAgent {
  readonly reporter: Reporter;
  readonly instanceId: string;
  stop(): Promise<void>;
}

/**
 * Wires the parts: IMDS watcher → notice forwarder, price sampler, heartbeat, all delivering through
 * one reporter and its spool.
 * @example
 * const agent = await startAgent(parseConfig(argv, process.env), { log: createLog() });
 */
export async function startAgent(config: AgentConfig, deps: { log: Log; clock?: Clock; priceFeed?: PriceFeed; /** Aborts a start still waiting for IMDS. */ signal?: AbortSignal }): Promise<RunningAgent> {
  const { log } = deps;
  const clock = deps.clock ?? systemClock;
  const imds = createImdsClient({ clock, ...(config.imdsEndpoint ? { endpoint: config.imdsEndpoint } : {}) });
  const instanceId = config.instanceId ?? (await waitForInstanceId({ imds, clock, log, ...(deps.signal ? { signal: deps.signal } : {}) }));
  const http = createSefHttp({ url: config.url, token: config.token });
  const spool = await openSpool({ dir: config.spoolDir, maxEntries: config.spoolMaxEntries, log });
  if (spool.size > 0) log.info('replaying spooled requests', { count: spool.size });
  const reporter = createReporter({ http, spool, clock, log });
  const priceFeed = deps.priceFeed ?? (config.simulated
    ? createSimulatedCloud({ clock }).priceFeed
    : createEc2PriceFeed({ client: new EC2Client({ region: config.region }), instanceTypes: config.pools.map((p) => parsePoolId(p)?.instanceType ?? p), clock }));

  const stopNotices = startNoticeForwarder({
    source: createImdsSignalSource({ imds, clock, pollInterval: config.imdsPollMs, instanceId, agentId: config.agentId }),
    agentId: config.agentId,
    reporter,
    log,
  });
  const pricingPath = `/api/agents/${encodeURIComponent(config.agentId)}/pricing`;
  const stopPrices = config.pools.length === 0 ? async () => {} : startPriceSampler({
    feed: priceFeed, pools: config.pools, instanceId, clock, log,
    report: (reports) => reporter.send({ path: pricingPath, body: { reports } }),
  });
  const stopHeartbeat = startHeartbeat({
    http, agentId: config.agentId, instanceId, role: config.role, clock, log, intervalMs: config.heartbeatMs,
    isReady: () => config.readyFile !== undefined && existsSync(config.readyFile),
  });
  log.info('sef-agent started', { agentId: config.agentId, instanceId, role: config.role, pools: config.pools });
  return {
    reporter,
    instanceId,
    async stop() {
      stopHeartbeat();
      await stopPrices(); // the sample being taken reaches the spool before it closes
      await stopNotices();
      await reporter.stop();
    },
  };
}
