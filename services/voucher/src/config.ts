import { z } from 'zod';

/** The voucher service's own settings, beyond the base configuration. */
export const VoucherConfig = z.object({
  VOUCHER_HOLD_TTL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(900_000),
  VOUCHER_HOLD_EXPIRY_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  VOUCHER_EXPIRY_POLL_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  VOUCHER_PIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  VOUCHER_PIN_LOCK_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
});
