import { healthContract, type RequestContext } from '@tlp/contracts';
import type { ServiceDefinition } from '@tlp/platform';
import { z } from 'zod';
import { createVerifier } from './auth';
import { Backends } from './backends';
import { Checkout } from './checkout/checkout';
import { loyaltyCheckout } from './checkout/loyalty';
import { CheckoutSagas } from './checkout/saga';
import { CheckoutSagas1763856100001, HttpIdempotency1763856100000, RefundReductions1764000000001 } from './db/migrations';
import { mountApi } from './http/api';
import { HttpIdempotency } from './http/idempotency';
import { RateLimiter } from './http/rate-limit';
import { allRoutes } from './routes';

/**
 * The services the gateway fronts. /readyz reports each one reachable over NATS without requiring
 * it: a backend down fails its own routes fast through its breaker (503), and should not take
 * every gateway pod out of its Service, and with it the routes that never touch that backend.
 */
export const backendServices = ['loyalty', 'promotion', 'voucher', 'renewal', 'partner-sync'] as const;

const GatewayConfig = z
  .object({
    JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    JWT_PUBLIC_KEY: z.string().includes('BEGIN PUBLIC KEY').optional(),
    JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().optional(),
    JWT_AUDIENCE: z.string().optional(),
    RATE_LIMIT_TENANT_PER_MIN: z.coerce.number().int().positive().default(60_000),
    RATE_LIMIT_CLIENT_PER_MIN: z.coerce.number().int().positive().default(1_200),
    RATE_LIMIT_ATTEMPTS_PER_MIN: z.coerce.number().int().positive().default(20),
    BACKEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
    CHECKOUT_HOLD_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(900),
    CHECKOUT_RECOVERY_EVERY_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
    /** Longer than any hold can take (each step is bounded by BACKEND_TIMEOUT_MS). */
    CHECKOUT_ABANDONED_HOLD_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  })
  .refine((c) => c.JWT_SECRET || c.JWT_PUBLIC_KEY || c.JWKS_URL, {
    message: 'set JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL',
    path: ['JWT_SECRET'],
  });

const probeContext: RequestContext = { tenantId: 'platform', requestId: 'readiness-probe' };

export const gatewayService: ServiceDefinition<typeof GatewayConfig> = {
  name: 'gateway',
  config: GatewayConfig,
  migrations: [HttpIdempotency1763856100000, CheckoutSagas1763856100001, RefundReductions1764000000001],
  build: async ({ bus, db, redis, keys, logger, metrics, config }) => {
    const backends = new Backends(bus, logger, metrics, config.BACKEND_TIMEOUT_MS);
    const verify = await createVerifier(config);
    const rateLimiter = new RateLimiter(
      redis,
      keys,
      {
        tenantPerMinute: config.RATE_LIMIT_TENANT_PER_MIN,
        clientPerMinute: config.RATE_LIMIT_CLIENT_PER_MIN,
        attemptsPerMinute: config.RATE_LIMIT_ATTEMPTS_PER_MIN,
      },
      logger,
    );
    const checkout = new Checkout(backends, db, loyaltyCheckout(backends), logger);
    const sagas = new CheckoutSagas(db, checkout, logger, config.CHECKOUT_HOLD_TTL_SECONDS * 1000, config.CHECKOUT_ABANDONED_HOLD_MS);
    // Confirms accepted before a crash are finished before the gateway takes new requests.
    await sagas.resume();
    return {
      handlers: [],
      jobs: [{ name: 'checkout-recovery', everyMs: config.CHECKOUT_RECOVERY_EVERY_MS, run: async () => void (await sagas.resume()) }],
      reported: Object.fromEntries(
        backendServices.map((s) => [s, async () => void (await bus.request(healthContract(s), probeContext, {}, { timeoutMs: 1500 }))]),
      ),
      http: (app) =>
        mountApi(app, { routes: allRoutes, verify, backends, bus, idempotency: new HttpIdempotency(db), rateLimiter, logger, version: '1.0.0', checkout, sagas }),
      onStop: async () => backends.shutdown(),
    };
  },
};
