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
  stateChange: 'EC2 Instance State-change Notification',
} as const;

/** The parts of an EventBridge event SEF reads. */
export interface Ec2NoticeEvent {
  readonly type: InterruptionSignal['type'];
  readonly instanceId: string;
  readonly noticeTime: number;
  readonly actionTime?: number;
  readonly action?: InstanceAction;
}

/** EC2 instance states an "EC2 Instance State-change Notification" reports. */
export type Ec2InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
const states: ReadonlySet<string> = new Set(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']);

/** An "EC2 Instance State-change Notification": the instance really changed state (at `time`). */
export interface Ec2StateChangeEvent {
  readonly instanceId: string;
  readonly state: Ec2InstanceState;
  readonly time: number;
}

/** What an EventBridge message on the queue is: one of the two notices, a state change, or neither. */
export type Ec2Event =
  | { readonly kind: 'notice'; readonly notice: Ec2NoticeEvent }
  | { readonly kind: 'state-change'; readonly change: Ec2StateChangeEvent }
  | { readonly kind: 'unreadable' };

/**
 * Reads an EventBridge event (as EventBridge delivers it to SQS, or wrapped in an SNS notification):
 * an interruption warning or rebalance recommendation, an instance state change, or `unreadable` for
 * anything else (other event types, malformed bodies).
 */
export function parseEc2Event(body: string): Ec2Event {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(body) as Record<string, unknown>;
    if (event?.['Type'] === 'Notification' && typeof event['Message'] === 'string') event = JSON.parse(event['Message']) as Record<string, unknown>;
  } catch {
    return { kind: 'unreadable' };
  }
  if (typeof event !== 'object' || event === null || event['source'] !== 'aws.ec2') return { kind: 'unreadable' };
  const detail = (event['detail'] ?? {}) as Record<string, unknown>;
  const instanceId = detail['instance-id'];
  const time = parseTime(event['time']);
  if (typeof instanceId !== 'string' || time === undefined) return { kind: 'unreadable' };
  switch (event['detail-type']) {
    case eventDetailTypes.rebalance:
      return { kind: 'notice', notice: { type: 'rebalance-recommendation', instanceId, noticeTime: time } };
    case eventDetailTypes.interruption: {
      const raw = detail['instance-action'];
      const action = typeof raw === 'string' && actions.has(raw) ? (raw as InstanceAction) : 'terminate';
      const actionTime = action === 'hibernate' ? time : time + terminationLeadMs;
      return { kind: 'notice', notice: { type: 'termination-notice', instanceId, noticeTime: time, action, actionTime } };
    }
    case eventDetailTypes.stateChange: {
      const state = detail['state'];
      if (typeof state !== 'string' || !states.has(state)) return { kind: 'unreadable' };
      return { kind: 'state-change', change: { instanceId, state: state as Ec2InstanceState, time } };
    }
    default:
      return { kind: 'unreadable' };
  }
}

/**
 * Reads an EventBridge event and returns it when it is one of the two EC2 notices; undefined for
 * anything else (state changes included: see {@link parseEc2Event}).
 */
export function parseEventBridgeNotice(body: string): Ec2NoticeEvent | undefined {
  const event = parseEc2Event(body);
  return event.kind === 'notice' ? event.notice : undefined;
}
