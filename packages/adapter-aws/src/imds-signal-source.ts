import type { Clock, InterruptionSignal, SignalSource, SignalType } from '@sef/core';
import { ProviderError, systemClock } from '@sef/core';
import { createImdsClient, type ImdsClient, type ImdsClientOptions } from './imds-client.js';
import { parseInstanceAction, parseRebalance, terminationLeadMs } from './notices.js';

export interface ImdsSignalSourceOptions {
  /**
   * The IMDS client, or options for one (`endpoint`: a local IMDS in tests, or set
   * `AWS_EC2_METADATA_SERVICE_ENDPOINT`).
   * @default createImdsClient({ clock })
   */
  readonly imds?: ImdsClient | ImdsClientOptions;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Time between two polls (ms); AWS recommends every 5 s. @default 5000 */
  readonly pollInterval?: number;
  /** This instance's id. @default read once from `meta-data/instance-id` */
  readonly instanceId?: string;
  /** The agent this instance belongs to, passed along with each signal. @default undefined */
  readonly agentId?: string;
}

// Relative: the SDK appends the path to the endpoint's own path (`/`), so a leading slash would double it.
const paths = {
  instanceId: 'latest/meta-data/instance-id',
  'termination-notice': 'latest/meta-data/spot/instance-action',
  'rebalance-recommendation': 'latest/meta-data/events/recommendations/rebalance',
} as const;

interface Notice {
  readonly signal: InterruptionSignal;
  delivered: boolean;
}

const isClient = (x: ImdsClient | ImdsClientOptions | undefined): x is ImdsClient => typeof (x as ImdsClient | undefined)?.get === 'function';
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * An IMDSv2 watcher: polls `spot/instance-action` and `events/recommendations/rebalance`, treats 404
 * as "no notice" and emits each notice once. A notice is identified by (instance, kind, notice time)
 * fixed when it first appears, so a body whose `time` changes from poll to poll stays one notice; it
 * ends only when IMDS answers 404 (not on errors, which go to `onError` while polling goes on).
 * For `terminate` and `stop` the notice time is two minutes before `time`; `hibernate` has no lead.
 * @example
 * const stop = createImdsSignalSource({ agentId: 'agent-1' }).start(async (signal) => sef.handleSignal(signal), console.error);
 */
export function createImdsSignalSource(options: ImdsSignalSourceOptions = {}): SignalSource {
  const clock = options.clock ?? systemClock;
  const pollInterval = options.pollInterval ?? 5000;
  const imds = isClient(options.imds) ? options.imds : createImdsClient({ clock, ...options.imds });

  return {
    start(handler, onError = () => {}) {
      const abort = new AbortController();
      let instanceId = options.instanceId;
      const current = new Map<SignalType, Notice>();
      /** The body, or undefined when IMDS says there is no notice (404). */
      const read = (path: string) => imds.get(path, abort.signal);

      const noticeFrom = (type: SignalType, id: string, body: string): InterruptionSignal | undefined => {
        const base = { type, instanceId: id, source: 'imds' as const, ...(options.agentId !== undefined ? { agentId: options.agentId } : {}) };
        if (type === 'rebalance-recommendation') {
          const r = parseRebalance(body);
          return r && { ...base, noticeTime: r.noticeTime };
        }
        const a = parseInstanceAction(body);
        if (!a) return undefined;
        const lead = a.action === 'hibernate' ? 0 : terminationLeadMs;
        return { ...base, noticeTime: Math.min(clock.now(), a.time - lead), actionTime: a.time, action: a.action };
      };

      const check = async (type: SignalType, id: string) => {
        let body: string | undefined;
        try {
          body = await read(paths[type]);
        } catch (error) {
          if (abort.signal.aborted) return;
          onError(new ProviderError(`IMDS ${paths[type]} failed; the last known state is kept: ${messageOf(error)}`, { cause: error, retryable: true }));
          return;
        }
        if (body === undefined) {
          current.delete(type);
          return;
        }
        let notice = current.get(type);
        if (!notice) {
          const signal = noticeFrom(type, id, body);
          if (!signal) {
            onError(new ProviderError(`IMDS ${paths[type]} returned a body that is not a notice: ${body.slice(0, 200)}`));
            return;
          }
          notice = { signal, delivered: false };
          current.set(type, notice);
        }
        if (notice.delivered || abort.signal.aborted) return;
        try {
          await handler(notice.signal);
          notice.delivered = true;
        } catch (error) {
          onError(error); // not recorded: delivered again on the next poll
        }
      };

      const tick = async () => {
        if (instanceId === undefined) {
          try {
            instanceId = (await read(paths.instanceId))?.trim() || undefined;
          } catch (error) {
            if (!abort.signal.aborted) onError(new ProviderError(`IMDS instance-id failed: ${messageOf(error)}`, { cause: error, retryable: true }));
          }
          if (instanceId === undefined) return;
        }
        await check('termination-notice', instanceId);
        await check('rebalance-recommendation', instanceId);
      };

      const loop = (async () => {
        while (!abort.signal.aborted) {
          await tick();
          try {
            await clock.sleep(pollInterval, abort.signal);
          } catch {
            return;
          }
        }
      })();

      return async () => {
        abort.abort(new Error('IMDS signal source stopped'));
        await loop;
      };
    },
  };
}
