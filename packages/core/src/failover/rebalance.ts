import type { AgentRecord } from '../ports/types.js';
import { activeReplica, type FlowContext } from './context.js';
import { bootInBackground, startReplica, startedBy } from './launch-replica.js';
import type { StepLog } from './steps.js';
import type { FlowResult } from './termination.js';

/**
 * A rebalance recommendation for the agent's primary: score the risk; at or above the threshold and with
 * auto-switch on, start a replica in the cheapest safe pool and keep it as hot standby. Below it, or with
 * auto off, or with a standby already there, only monitor.
 */
export async function handleRebalance(ctx: FlowContext, agent: AgentRecord, causeId: string, token: number, log: StepLog): Promise<FlowResult> {
  const risk = await log.run(
    'score_risk',
    (signal) => ctx.risk.scoreInstance({ agentId: agent.id, poolId: agent.poolId, instanceId: agent.primaryInstanceId, launchedAt: agent.primaryLaunchedAt, signal }),
    (r) => `${r.score.toFixed(3)} by ${r.source} (history ${r.factors.interruptionHistory.toFixed(2)}, age ${r.factors.instanceAge.toFixed(2)}, volatility ${r.factors.priceVolatility.toFixed(2)})`,
  );
  const threshold = ctx.config.rebalanceRiskThreshold;
  if (risk.score < threshold) return { outcome: 'monitor', success: true };
  if (agent.modes.manualReplica) return decided(log, 'manual_mode_active', 'manual mode keeps its own standby');
  if (!agent.modes.autoSwitch) return decided(log, 'monitor_auto_off', 'auto-switch is off');
  const existing = await activeReplica(ctx, agent.id);
  // A standby of this very rebalance is its own launch, resumed (its process died): carry on with it,
  // unless it is past launching (booted, or reported ready), when only the run's end was lost.
  if (existing && !startedBy(existing, causeId)) return decided(log, 'replica_exists', `${existing.id} is ${existing.status}`);
  if (existing && existing.status !== 'launching') return { outcome: 'replica_started', success: true };
  const replica = await startReplica(ctx, agent, 'auto', causeId, token, log);
  if (!replica) return { outcome: 'no_safe_pool', success: false };
  bootInBackground(ctx, replica);
  return { outcome: 'replica_started', success: true };
}

function decided(log: StepLog, outcome: string, detail: string): FlowResult {
  log.note('decide', detail);
  return { outcome, success: true };
}
