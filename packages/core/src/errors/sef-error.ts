/** Stable machine-readable error codes. Clients switch on `code`, never on `message`. */
export type SefErrorCode =
  | 'VALIDATION'
  | 'CONFIG'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'STORAGE'
  | 'PROVIDER'
  | 'CAPACITY'
  | 'POOL_UNUSABLE'
  | 'DEADLINE_EXCEEDED'
  | 'STALE_FENCING_TOKEN'
  | 'UNAVAILABLE';

/** Base class of every error SEF throws on purpose. The original error, if any, is kept as `cause`. */
export class SefError extends Error {
  readonly code: SefErrorCode;

  constructor(code: SefErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in an input: where (`path`) and what (`message`), with a stable `code`. */
export interface Issue {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** Input that breaks the rules; `issues` names every problem, not only the first. */
export class ValidationError extends SefError {
  readonly issues: readonly Issue[];

  constructor(message: string, issues: readonly Issue[], options?: { cause?: unknown }) {
    super('VALIDATION', `${message}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, options);
    this.issues = issues;
  }
}

/** Configuration that cannot be used. Thrown at start, naming every bad setting. */
export class ConfigError extends SefError {
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[]) {
    super('CONFIG', `Invalid SEF configuration: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** The request conflicts with the current state (mode exclusion, replica not ready, version mismatch). */
export class ConflictError extends SefError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

export class NotFoundError extends SefError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A storage backend failed. `retryable` says whether the same call may succeed later. */
export class StorageError extends SefError {
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('STORAGE', message, options);
    this.retryable = options?.retryable ?? true;
  }
}

/** A dependency (Redis, Postgres, the cloud API) is unreachable right now; the caller should retry. */
export class UnavailableError extends SefError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

/** The cloud provider refused or failed a call. */
export class ProviderError extends SefError {
  readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super('PROVIDER', message, options);
    this.retryable = options?.retryable ?? false;
  }
}

/** No capacity in the requested pool (EC2 `InsufficientInstanceCapacity`, `SpotMaxPriceTooLow`, ...): try the next pool. */
export class CapacityError extends SefError {
  readonly poolId: string;

  constructor(poolId: string, message: string, options?: { cause?: unknown }) {
    super('CAPACITY', message, options);
    this.poolId = poolId;
  }
}

/**
 * The provider cannot launch in this pool at all with the agent's settings (EC2: no subnet in the pool's
 * AZ, the subnet gone): unlike other refusals, another pool may work, so the core tries the next one.
 */
export class PoolUnusableError extends SefError {
  readonly poolId: string;

  constructor(poolId: string, message: string, options?: { cause?: unknown }) {
    super('POOL_UNUSABLE', message, options);
    this.poolId = poolId;
  }
}

/** A step did not finish before its deadline (e.g. the 2-minute termination window). */
export class DeadlineExceededError extends SefError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DEADLINE_EXCEEDED', message, options);
  }
}

/** A write carried a fencing token older than one already seen: its lease holder lost the lease. */
export class StaleFencingTokenError extends SefError {
  constructor(message: string) {
    super('STALE_FENCING_TOKEN', message);
  }
}
