import { sql, type ServiceDefinition } from '@tlp/platform';
import { linkDemoPartner } from './app/demo-partner';
import { DeliveryLanes } from './app/delivery';
import type { Ports } from './app/ports';
import { expireHolds } from './app/spend';
import { PartnerSyncConfig } from './config';
import { PartnerSyncTables1763900000000 } from './db/migrations';
import { partnerSyncConsumers } from './transport/consumers';
import { partnerSyncHandlers } from './transport/handlers';
import { PartnerApi } from './transport/partner-api';
import { mountWebhookRoute } from './transport/webhook-route';

/** The partner-sync service: what it owns and how it starts (see README.md). */
export const partnerSyncService: ServiceDefinition<typeof PartnerSyncConfig> = {
  name: 'partner-sync',
  config: PartnerSyncConfig,
  migrations: [PartnerSyncTables1763900000000],
  build: async (deps) => {
    const { config } = deps;
    const api = new PartnerApi({ timeoutMs: config.PARTNER_TIMEOUT_MS, resetTimeoutMs: config.PARTNER_BREAKER_RESET_MS, logger: deps.logger, metrics: deps.metrics });
    // One breaker per partner from the start, so each accumulates its partner's state.
    for (const { partner_id } of await sql<{ partner_id: string }>(deps.db, `SELECT partner_id FROM partners`)) api.prepare(partner_id);
    const ports: Ports = {
      db: deps.db,
      redis: deps.redis,
      keys: deps.keys,
      api,
      logger: deps.logger,
      now: () => new Date(),
      settings: {
        retry: {
          baseDelayMs: config.DELIVERY_BASE_DELAY_MS,
          factor: config.DELIVERY_BACKOFF_FACTOR,
          maxDelayMs: config.DELIVERY_MAX_DELAY_MS,
          maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
        },
        deliveryBatch: config.DELIVERY_BATCH,
        deliveryWidth: config.DELIVERY_WIDTH,
        deliveryRunBudgetMs: Math.max(2000, config.DELIVERY_POLL_MS * 2),
        webhookToleranceSeconds: config.WEBHOOK_TOLERANCE_SECONDS,
        balanceFreshMs: config.BALANCE_FRESH_MS,
        holdTtlMs: config.SPEND_HOLD_TTL_MS,
      },
    };
    const lanes = new DeliveryLanes(ports);
    if (config.PARTNER_SIMULATOR_URL && config.PARTNER_DEMO_TENANT) {
      const simulatorUrl = config.PARTNER_SIMULATOR_URL;
      void linkDemoPartner(ports, {
        tenantId: config.PARTNER_DEMO_TENANT,
        simulatorUrl,
        ...(config.HTTP_PORT ? { webhookBaseUrl: `http://${config.HTTP_HOST}:${config.HTTP_PORT}` } : {}),
      }).catch((err: unknown) => deps.logger.warn({ err }, 'demo partner not linked'));
    }
    return {
      handlers: partnerSyncHandlers(ports),
      consumers: partnerSyncConsumers(deps.logger),
      jobs: [
        { name: 'partner-deliveries', everyMs: config.DELIVERY_POLL_MS, run: () => lanes.run() },
        { name: 'partner-hold-expiry', everyMs: config.HOLD_EXPIRY_POLL_MS, run: async () => void (await expireHolds(ports)) },
      ],
      http: (app) => mountWebhookRoute(app, ports),
      onStop: async () => {
        await lanes.drain();
        api.shutdown();
      },
    };
  },
};
