import { TenantId } from '@tlp/contracts';
import { z } from 'zod';

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Keys of partner-sync beyond the base configuration; tests shorten the delays to seconds. */
export const PartnerSyncConfig = z.object({
  /** How often the delivery job looks for due messages. */
  DELIVERY_POLL_MS: ms(1000),
  DELIVERY_BATCH: z.coerce.number().int().min(1).max(5000).default(200),
  /** Messages in flight at once to one partner (never two for the same member). */
  DELIVERY_WIDTH: z.coerce.number().int().min(1).max(64).default(8),
  DELIVERY_BASE_DELAY_MS: ms(5000),
  DELIVERY_BACKOFF_FACTOR: z.coerce.number().min(1).max(10).default(4),
  DELIVERY_MAX_DELAY_MS: ms(10 * 3600_000),
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  /** About three times a partner's p99; a slower answer counts as a failure for the breaker. */
  PARTNER_TIMEOUT_MS: ms(2000),
  PARTNER_BREAKER_RESET_MS: ms(10_000),
  /** Standard Webhooks' tolerance for a message's timestamp, either way. */
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** A cached balance younger than this is answered without asking the partner (checkout tooltips). */
  BALANCE_FRESH_MS: z.coerce.number().int().min(0).default(30_000),
  SPEND_HOLD_TTL_MS: ms(15 * 60_000),
  HOLD_EXPIRY_POLL_MS: ms(5000),
  /** Set by `pnpm start` and the end-to-end harness: where the partner simulator listens. */
  PARTNER_SIMULATOR_URL: z.url().optional(),
  /** Opt-in: links this tenant to the simulator at start (a demo partner), so `pnpm start` shows partner points. */
  PARTNER_DEMO_TENANT: TenantId.optional(),
});
export type PartnerSyncConfig = z.output<typeof PartnerSyncConfig>;
