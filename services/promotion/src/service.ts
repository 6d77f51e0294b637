import { Gate, type HandlerContext, type ServiceDefinition } from '@tlp/platform';
import type { PromotionContext } from './app/context';
import { expireDueHolds } from './app/holds';
import { CodeGenerator } from './app/codes';
import { LiveCatalog } from './app/live-catalog';
import { PromotionRefunds1764100000000, PromotionTables1763900000000 } from './db/migrations';
import { eventHandlers, requestHandlers } from './transport/handlers';

export interface PromotionOptions {
  /** The time every rule is judged at; tests move it to window edges and past hold expiries. */
  clock?: () => Date;
  /** Runs the background parts (hold expiry, unfinished code batches) this often. */
  jobEveryMs?: number;
  /** How stale a quote's view of the catalog may be in another replica. */
  catalogTtlMs?: number;
}

/** Exposes the code generator so tests and the benchmark can wait for batches to finish. */
export interface PromotionRuntime {
  generator?: CodeGenerator;
}

/** The promotion service: advantages, promo codes, single-use codes, evaluation and holds (see README.md). */
export function createPromotionService(opts: PromotionOptions = {}, runtime: PromotionRuntime = {}): ServiceDefinition {
  const clock = opts.clock ?? (() => new Date());
  return {
    name: 'promotion',
    migrations: [PromotionTables1763900000000, PromotionRefunds1764100000000],
    build: (deps) => {
      const catalog = new LiveCatalog(deps.db, clock, opts.catalogTtlMs);
      const generator = new CodeGenerator(deps.db, clock, deps.logger);
      runtime.generator = generator;
      const everyMs = opts.jobEveryMs ?? 1000;
      const contextOf = (req: HandlerContext): PromotionContext => ({
        tenantId: req.tenantId,
        idempotencyKey: req.idempotencyKey,
        // Read when used: the request's logger is made then, and most requests log nothing.
        get log() {
          return req.log;
        },
        now: clock(),
        db: deps.db,
        catalog,
        continueGeneration: () => generator.continue(),
      });
      const gate = Gate.forRequests(deps.config.DB_POOL_SIZE);
      return {
        handlers: requestHandlers(contextOf, gate),
        consumers: eventHandlers(clock),
        jobs: [
          {
            name: 'promotion.holds.expire',
            everyMs,
            run: async () => {
              while ((await deps.db.transaction((tx) => expireDueHolds(tx, clock()))) > 0);
            },
          },
          // Through the generator's workers, so at most `parallel` chunks are written at once and idle() sees them all.
          {
            name: 'promotion.codes.generate',
            everyMs,
            run: async () => {
              generator.continue();
              await generator.idle();
            },
          },
        ],
        onStop: () => generator.idle(),
      };
    },
  };
}

export const promotionService = createPromotionService();
