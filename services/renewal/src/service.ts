import type { ServiceDefinition } from '@tlp/platform';
import { z } from 'zod';
import { expireReservations } from './app/reservations';
import { executeRun, openRuns } from './app/runs';
import { RenewalSchema1763900000000 } from './db/migrations';
import { renewalConsumers, renewalHandlers } from './transport/handlers';

const RenewalConfig = z.object({
  RENEWAL_CHUNK_SIZE: z.coerce.number().int().min(1).max(20_000).default(2000),
  RENEWAL_CHUNK_PAUSE_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  RENEWAL_RUNS_EVERY_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
});

/** The renewal service: venue model, fixed-seat season tickets, preferred seats and renewal runs (see README.md). */
export const renewalService: ServiceDefinition<typeof RenewalConfig> = {
  name: 'renewal',
  config: RenewalConfig,
  migrations: [RenewalSchema1763900000000],
  build: ({ db, logger, config }) => ({
    handlers: renewalHandlers(db),
    consumers: renewalConsumers,
    jobs: [
      {
        // Queued runs, and runs a crash interrupted, are executed (resumed) here.
        name: 'renewal-runs',
        everyMs: config.RENEWAL_RUNS_EVERY_MS,
        run: async () => {
          for (const { tenantId, runId } of await openRuns(db)) {
            const log = logger.child({ tenantId, runId });
            // One failing run must not hold back the others: it is retried on the next tick.
            await executeRun(db, log, tenantId, runId, {
              chunkSize: config.RENEWAL_CHUNK_SIZE,
              chunkPauseMs: config.RENEWAL_CHUNK_PAUSE_MS,
            }).catch((err: unknown) => log.error({ err }, 'renewal run failed; retried on the next tick'));
          }
        },
      },
      {
        name: 'renewal-reservation-expiry',
        everyMs: 30_000,
        run: async () => {
          while ((await expireReservations(db)) > 0);
        },
      },
    ],
  }),
};
