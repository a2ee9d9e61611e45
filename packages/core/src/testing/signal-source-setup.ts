import type { SignalSource } from '../ports/signal-source.js';
import type { InstanceAction, InterruptionSignal, SignalType } from '../ports/types.js';
import type { ContractOptions, ContractSetup } from './contract.js';

/** A notice the cloud issues in a contract test. `noticeTime` is whole seconds (ms), in the recent past. */
export interface IssuedNotice {
  readonly type: SignalType;
  readonly noticeTime: number;
  /** Termination notices only. */
  readonly action?: InstanceAction;
}

/** A signal source under test, and the cloud behind it. */
export interface SignalSourceSetup extends ContractSetup<SignalSource> {
  /** The instance the source reports on. */
  readonly instanceId: string;
  /** The agent it puts in each signal, when it knows it. */
  readonly agentId?: string;
  /** What it puts in `signal.source`. */
  readonly source: InterruptionSignal['source'];
  /**
   * Whether the source takes its notice times from the cloud. IMDS derives a termination notice's time
   * from its action time (two minutes before it), so only the lead is checked then.
   */
  readonly keepsTerminationNoticeTime: boolean;
  /** Whether a notice the handler failed to record comes again (IMDS: next poll; SQS: after its visibility timeout). */
  readonly redeliversUnrecorded: boolean;
  /** Makes the cloud issue `notice` about `instanceId`. */
  issue(notice: IssuedNotice): Promise<void>;
  /** Withdraws the notices in force; resolves once the source has seen that they are gone. */
  withdraw(): Promise<void>;
  /** Resolves once the source has looked at the cloud at least twice more (a poll, a receive); at once for a source that is pushed to. */
  lookedAgain(): Promise<void>;
  /** Another source on the same cloud and instance (the stop test starts it after stopping the subject). */
  another(): SignalSource;
}

export interface SignalSourceContractOptions extends Omit<ContractOptions<SignalSource>, 'setup'> {
  readonly setup: () => Promise<SignalSourceSetup>;
  /** Longest wait for a signal to arrive (ms). @default 10000 */
  readonly timeoutMs?: number;
}
