import { DomainError } from '@tlp/contracts';
import type { Logger } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { LiveCatalog } from './live-catalog';

/** What every use case gets first: the tenant, the clock reading, and the service's ports. */
export interface PromotionContext {
  tenantId: string;
  idempotencyKey?: string;
  log: Logger;
  /** Read once per request from the injected clock, so a use case sees one instant. */
  now: Date;
  db: DataSource;
  catalog: LiveCatalog;
  /** Asks the background generator to continue unfinished code batches. */
  continueGeneration(): void;
}

export function requireIdempotencyKey(ctx: PromotionContext, command: string): string {
  if (!ctx.idempotencyKey) {
    throw new DomainError('PROMOTION_IDEMPOTENCY_KEY_REQUIRED', `${command} needs an Idempotency-Key so that a retry does not repeat it`);
  }
  return ctx.idempotencyKey;
}

export const notFound = (what: string): DomainError => new DomainError('NOT_FOUND', `${what} not found`);
