import CircuitBreaker from 'opossum';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface BreakerOptions<A extends unknown[], R> {
  name: string;
  /**
   * About three times the dependency's p99; opossum's 10 s default is far too slow for a checkout.
   * `false` when the call keeps its own deadline (a bus request's timeout): a second timer per
   * call would never fire first.
   */
  timeoutMs?: number | false;
  resetTimeoutMs?: number;
  /** Calls in the rolling window before the breaker may open. */
  volumeThreshold?: number;
  errorThresholdPercentage?: number;
  rollingWindowMs?: number;
  /** An honest answer while the dependency is down: a value marked stale, or a clear error. */
  fallback?: (...args: A) => R | Promise<R>;
  /** Errors that are the caller's fault (e.g. a typed "not found") do not count against the dependency. */
  isCallerError?: (e: unknown) => boolean;
  logger: Logger;
  metrics?: Metrics;
}

/** One breaker per dependency, created at start so its state accumulates across calls. */
export function createBreaker<A extends unknown[], R>(
  call: (...args: A) => Promise<R>,
  opts: BreakerOptions<A, R>,
): CircuitBreaker<A, R> {
  const breaker = new CircuitBreaker<A, R>(call, {
    name: opts.name,
    timeout: opts.timeoutMs ?? 1500,
    resetTimeout: opts.resetTimeoutMs ?? 5000,
    volumeThreshold: opts.volumeThreshold ?? 5,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    rollingCountTimeout: opts.rollingWindowMs ?? 10_000,
    errorFilter: opts.isCallerError,
    // Latency percentiles and snapshots are prom-client's job here: opossum would sort every
    // latency of the window each second, for each breaker, for figures nobody reads.
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
  });
  if (opts.fallback) breaker.fallback(opts.fallback);
  const gauge = (v: number) => opts.metrics?.breakerState.set({ breaker: opts.name }, v);
  gauge(0);
  breaker.on('open', () => {
    opts.logger.warn({ breaker: opts.name }, 'breaker open: failing fast');
    gauge(1);
  });
  breaker.on('halfOpen', () => opts.logger.info({ breaker: opts.name }, 'breaker half-open: trying the dependency'));
  breaker.on('close', () => {
    opts.logger.info({ breaker: opts.name }, 'breaker closed: dependency recovered');
    gauge(0);
  });
  return breaker;
}
