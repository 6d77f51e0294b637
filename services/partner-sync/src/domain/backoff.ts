export interface RetryPolicy {
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/**
 * Delay before attempt `attempt + 1` after `attempt` failures: exponential, capped, with "equal
 * jitter" (half fixed, half random) so that messages queued during an outage do not all come
 * back at the same instant, while the schedule keeps its shape. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.factor ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random);
}

/** The defaults spread twelve attempts over about a day: 5 s, 20 s, 80 s, 5 min, 21 min, 85 min, 5.7 h, then 10 h. */
export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 5000, factor: 4, maxDelayMs: 10 * 3600_000, maxAttempts: 12 };
