import { Gate, type ServiceDefinition } from '@tlp/platform';
import { z } from 'zod';
import { expireLots, releaseExpiredHolds } from './app/ledger';
import { releaseExpiredRewardHolds } from './app/reward-holds';
import { LoyaltyTables1763857000000, PointsHoldProducts1764000000003, RewardHolds1764000000002, RewardsByContact1764000000004 } from './db/migrations';
import { loyaltyConsumers } from './transport/consumers';
import { loyaltyHandlers } from './transport/handlers';

const LoyaltyConfig = z.object({
  EXPIRY_JOB_EVERY_MS: z.coerce.number().int().min(100).max(3_600_000).default(5000),
});

/** The loyalty service: programs, accounts, the points ledger and lots, tiers and rewards (see README.md). */
export const loyaltyService: ServiceDefinition<typeof LoyaltyConfig> = {
  name: 'loyalty',
  config: LoyaltyConfig,
  migrations: [LoyaltyTables1763857000000, RewardHolds1764000000002, PointsHoldProducts1764000000003, RewardsByContact1764000000004],
  build: ({ db, config }) => ({
    handlers: loyaltyHandlers(db, Gate.forRequests(config.DB_POOL_SIZE)),
    consumers: loyaltyConsumers,
    jobs: [
      {
        name: 'release-expired-holds',
        everyMs: config.EXPIRY_JOB_EVERY_MS,
        run: async () =>
          void (await db.transaction(async (tx) => {
            await releaseExpiredHolds(tx, new Date());
            await releaseExpiredRewardHolds(tx, new Date());
          })),
      },
      { name: 'expire-lots', everyMs: config.EXPIRY_JOB_EVERY_MS, run: async () => void (await db.transaction((tx) => expireLots(tx, new Date()))) },
    ],
  }),
};
