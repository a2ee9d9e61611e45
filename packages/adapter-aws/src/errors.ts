import { CapacityError, PoolUnusableError, ProviderError } from '@sef/core';

/**
 * EC2 error codes that mean "no capacity in this pool right now": the core moves on to the next pool.
 * `Unsupported` is what EC2 answers when the instance type is not offered in the AZ.
 */
export const capacityErrorCodes: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientFreeAddressesInSubnet',
  'SpotMaxPriceTooLow',
  'MaxSpotInstanceCountExceeded',
  'Unsupported',
]);

/**
 * EC2 error codes that mean "this pool cannot be used with the agent's settings" (its AZ's subnet is
 * gone): the core tries the next pool, which may be in another AZ.
 */
export const poolUnusableErrorCodes: ReadonlySet<string> = new Set(['InvalidSubnetID.NotFound', 'InvalidSubnet']);

/** Codes worth trying again later (throttling, AWS-side failures). The SDK has already retried them. */
const retryableCodes: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
]);

interface AwsLikeError {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The error code of an SDK error (`name` for service errors, `code` for network errors). */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as AwsLikeError;
  if (typeof e.code === 'string') return e.code;
  if (typeof e.name === 'string') return e.name;
  return undefined;
}

/** Whether an AWS error may succeed if the same call is made again later. */
export function isRetryableAwsError(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code !== undefined && (retryableCodes.has(code) || networkErrorCodes.has(code))) return true;
  const e = (typeof error === 'object' && error !== null ? error : {}) as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
  return e.$fault === 'server' || (typeof status === 'number' && (status >= 500 || status === 429));
}

/**
 * Translates an SDK error into the core's error family, keeping it as `cause`.
 * An aborted call rejects with the signal's reason instead, as the ports promise.
 */
export function toSefError(error: unknown, what: string, context: { poolId?: string; signal?: AbortSignal } = {}): unknown {
  if (context.signal?.aborted) return context.signal.reason;
  const code = awsErrorCode(error) ?? 'Unknown';
  const message = typeof (error as AwsLikeError | null)?.message === 'string' ? String((error as AwsLikeError).message) : String(error);
  if (context.poolId !== undefined && capacityErrorCodes.has(code)) {
    return new CapacityError(context.poolId, `${what}: no capacity in ${context.poolId} (${code}: ${message})`, { cause: error });
  }
  if (context.poolId !== undefined && poolUnusableErrorCodes.has(code)) {
    return new PoolUnusableError(context.poolId, `${what}: pool ${context.poolId} cannot be used (${code}: ${message})`, { cause: error });
  }
  return new ProviderError(`${what} failed (${code}: ${message})`, { cause: error, retryable: isRetryableAwsError(error) });
}

/** Runs an SDK call and translates what it throws. */
export async function callAws<T>(what: string, run: () => Promise<T>, context: { poolId?: string; signal?: AbortSignal } = {}): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toSefError(error, what, context);
  }
}
