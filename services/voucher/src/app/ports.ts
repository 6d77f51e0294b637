import type { RequestContext } from '@tlp/contracts';
import type { Logger, Metrics, Redis, RedisKeys } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { PinPolicy } from '../domain/pin';

/** Everything a use case touches outside itself: storage, Redis, clock, settings. */
export interface Ports {
  db: DataSource;
  redis: Redis;
  keys: RedisKeys;
  logger: Logger;
  metrics: Metrics;
  now: () => Date;
  settings: {
    holdTtlMs: number;
    pin: PinPolicy;
  };
}

/** The context first: the tenant travels with every call, and when its caller stops waiting (the request server's `deadline`). */
export type Ctx = Pick<RequestContext, 'tenantId' | 'requestId'> & { deadline?: number | undefined };
