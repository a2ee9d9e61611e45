import type { InstanceAction, InterruptionSignal } from '@sef/core';

/** Termination notices come two minutes before the action, except hibernation, which starts at once. */
export const terminationLeadMs = 120_000;

const actions: ReadonlySet<string> = new Set(['terminate', 'stop', 'hibernate']);

const parseTime = (v: unknown): number | undefined => {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
};

/** IMDS `spot/instance-action`: `{"action": "terminate", "time": "2017-09-18T08:22:00Z"}`. */
export function parseInstanceAction(body: string): { action: InstanceAction; time: number } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const o = (json ?? {}) as { action?: unknown; time?: unknown };
  const time = parseTime(o.time);
  if (typeof o.action !== 'string' || !actions.has(o.action) || time === undefined) return undefined;
  return { action: o.action as InstanceAction, time };
}

/** IMDS `events/recommendations/rebalance`: `{"noticeTime": "2020-10-27T08:22:00Z"}`. */
export function parseRebalance(body: string): { noticeTime: number } | undefined {
  try {
    const noticeTime = parseTime((JSON.parse(body) as { noticeTime?: unknown } | null)?.noticeTime);
    return noticeTime === undefined ? undefined : { noticeTime };
  } catch {
    return undefined;
  }
}

export const eventDetailTypes = {
  interruption: 'EC2 Spot Instance Interruption Warning',
  rebalance: 'EC2 Instance Rebalance Recommendation',
} as const;

/** The parts of an EventBridge event SEF reads. */
export interface Ec2NoticeEvent {
  readonly type: InterruptionSignal['type'];
  readonly instanceId: string;
  readonly noticeTime: number;
  readonly actionTime?: number;
  readonly action?: InstanceAction;
}

/**
 * Reads an EventBridge event (as EventBridge delivers it to SQS, or wrapped in an SNS notification).
 * Returns undefined for events that are not one of the two EC2 notices, or malformed ones.
 */
export function parseEventBridgeNotice(body: string): Ec2NoticeEvent | undefined {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(body) as Record<string, unknown>;
    if (event?.['Type'] === 'Notification' && typeof event['Message'] === 'string') event = JSON.parse(event['Message']) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null || event['source'] !== 'aws.ec2') return undefined;
  const detail = (event['detail'] ?? {}) as Record<string, unknown>;
  const instanceId = detail['instance-id'];
  const noticeTime = parseTime(event['time']);
  if (typeof instanceId !== 'string' || noticeTime === undefined) return undefined;
  if (event['detail-type'] === eventDetailTypes.rebalance) return { type: 'rebalance-recommendation', instanceId, noticeTime };
  if (event['detail-type'] !== eventDetailTypes.interruption) return undefined;
  const raw = detail['instance-action'];
  const action = typeof raw === 'string' && actions.has(raw) ? (raw as InstanceAction) : 'terminate';
  const actionTime = action === 'hibernate' ? noticeTime : noticeTime + terminationLeadMs;
  return { type: 'termination-notice', instanceId, noticeTime, action, actionTime };
}
