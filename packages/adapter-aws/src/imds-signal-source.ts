import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import type { Clock, InterruptionSignal, SignalSource, SignalType } from '@sef/core';
import { ProviderError, systemClock } from '@sef/core';
import { parseInstanceAction, parseRebalance, terminationLeadMs } from './notices.js';

/** Options of the SDK's IMDS client (the package does not export their type). */
export type MetadataServiceOptions = NonNullable<ConstructorParameters<typeof MetadataService>[0]>;

export interface ImdsSignalSourceOptions {
  /**
   * The IMDS client, or options for one. Point `endpoint` at a local server in tests (or set
   * `AWS_EC2_METADATA_SERVICE_ENDPOINT`, as the SDK allows).
   * @default new MetadataService({ ec2MetadataV1Disabled: true, httpOptions: { timeout: 1000 } })
   * Pass options rather than a client when you can: a client built from options is replaced after a
   * failure that would leave the SDK unable to fetch tokens again.
   */
  readonly metadata?: MetadataService | MetadataServiceOptions;
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

const statusOf = (error: unknown): number | undefined =>
  (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

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
  const given = options.metadata instanceof MetadataService ? options.metadata : undefined;
  const settings = options.metadata instanceof MetadataService ? {} : options.metadata;
  const create = () => given ?? new MetadataService({ ec2MetadataV1Disabled: true, httpOptions: { timeout: 1000 }, ...settings });

  return {
    start(handler, onError = () => {}) {
      const abort = new AbortController();
      let instanceId = options.instanceId;
      const current = new Map<SignalType, Notice>();
      let metadata = create();

      /** The body, or undefined when IMDS says there is no notice (404). */
      const read = async (path: string) => {
        try {
          return await metadata.request(path, {});
        } catch (error) {
          if (statusOf(error) === 404) return undefined;
          // One 403/404/405 on the token PUT switches the SDK client to "no token" for good (IMDSv1, or
          // nothing when v1 is disabled): a client of our own is replaced so the watcher recovers.
          metadata = create();
          throw error;
        }
      };

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
          onError(new ProviderError(`IMDS ${paths[type]} failed; the last known state is kept`, { cause: error, retryable: true }));
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
            onError(new ProviderError('IMDS instance-id failed', { cause: error, retryable: true }));
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
