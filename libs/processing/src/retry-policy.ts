/**
 * How often and how patiently a failing event is retried before it is parked in the DLQ.
 * Bounded on purpose: one poison event must not stop a processor for longer than
 * about maxAttempts × maxDelayMs.
 */
export interface RetryPolicy {
  /** Attempts of the single event (after the failed batch) before parking it; >= 1. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Delay multiplier per attempt (exponential backoff). */
  factor: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  factor: 2,
};

/** Delay before attempt `attempt + 1`, after `attempt` (1-based) failed. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number): number {
  const delay = policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1);
  return Math.min(policy.maxDelayMs, Math.max(0, delay));
}

export function resolveRetryPolicy(partial: Partial<RetryPolicy> | undefined): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError(`retry policy maxAttempts must be an integer >= 1, got ${policy.maxAttempts}`);
  }
  return policy;
}
