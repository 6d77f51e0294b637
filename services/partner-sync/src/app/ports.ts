import type { Logger, Redis, RedisKeys } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { RetryPolicy } from '../domain/backoff';
import type { PartnerApi } from '../transport/partner-api';

/** What the use cases reach the outside world through; tests and the service pass real ones. */
export interface Ports {
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  api: PartnerApi;
  logger: Logger;
  now: () => Date;
  settings: {
    retry: RetryPolicy;
    deliveryBatch: number;
    /** Messages in flight at once to one partner. */
    deliveryWidth: number;
    /** A delivery run stops starting new sends after this, so it stays inside its lease. */
    deliveryRunBudgetMs: number;
    webhookToleranceSeconds: number;
    balanceFreshMs: number;
    holdTtlMs: number;
  };
}

/** Who asks, first argument of every use case: the tenant travels with the logger. */
export interface UseCaseContext {
  tenantId: string;
  log: Logger;
  idempotencyKey?: string | undefined;
}
