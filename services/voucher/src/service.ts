import type { ServiceDefinition } from '@tlp/platform';
import { expireVouchers } from './app/vouchers';
import { releaseExpiredHolds } from './app/holds';
import type { Ports } from './app/ports';
import { VoucherConfig } from './config';
import { forgetOldOrders } from './db/accounts';
import { Orders1764100000000, VoucherTables1763950000000, VouchersByContact1764000000000 } from './db/migrations';
import { voucherHandlers } from './transport/handlers';

/** Far beyond the longest hold (an hour and five minutes): no late hold waits that long in a queue. */
const ORDERS_KEPT_MS = 86_400_000;

/** The voucher service: financial and experience vouchers, credit notes (see README.md). */
export const voucherService: ServiceDefinition<typeof VoucherConfig> = {
  name: 'voucher',
  config: VoucherConfig,
  migrations: [VoucherTables1763950000000, VouchersByContact1764000000000, Orders1764100000000],
  build: (deps) => {
    const { config } = deps;
    const ports: Ports = {
      db: deps.db,
      redis: deps.redis,
      keys: deps.keys,
      logger: deps.logger,
      metrics: deps.metrics,
      now: () => new Date(),
      settings: {
        holdTtlMs: config.VOUCHER_HOLD_TTL_MS,
        pin: { maxAttempts: config.VOUCHER_PIN_MAX_ATTEMPTS, lockSeconds: config.VOUCHER_PIN_LOCK_SECONDS },
      },
    };
    return {
      handlers: voucherHandlers(ports),
      jobs: [
        { name: 'voucher-hold-expiry', everyMs: config.VOUCHER_HOLD_EXPIRY_POLL_MS, run: async () => void (await releaseExpiredHolds(ports)) },
        { name: 'voucher-expiry', everyMs: config.VOUCHER_EXPIRY_POLL_MS, run: async () => void (await expireVouchers(ports)) },
        { name: 'voucher-orders-clean-up', everyMs: 3_600_000, run: () => forgetOldOrders(ports.db, ORDERS_KEPT_MS) },
      ],
    };
  },
};
