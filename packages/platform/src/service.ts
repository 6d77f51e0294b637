import { Bus, healthContract } from '@tlp/contracts';
import type { Express } from 'express';
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { BaseConfig, ConfigError, parseConfig } from './config';
import { EventConsumer, type EventHandler } from './consumer';
import { openDatabase, platformMigrations, type MigrationClass } from './database';
import { closeServer, createOpsApp, listen, type ReadinessCheck } from './http';
import { ensureStream } from './jetstream';
import { JobRunner, type Job } from './jobs';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { OutboxRelay } from './outbox';
import { handle, RequestServer, type RequestHandler } from './rpc-server';
import { connectRedis, RedisKeys, type Redis } from './redis';
import { untilReachable } from './startup';

export interface ServiceDeps<C> {
  name: string;
  config: C & BaseConfig;
  logger: Logger;
  db: DataSource;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  bus: Bus;
  redis: Redis;
  keys: RedisKeys;
  metrics: Metrics;
}

export interface ServiceParts {
  handlers: RequestHandler[];
  consumers?: EventHandler[];
  jobs?: Job[];
  /** Extra HTTP routes on the service's own server (the gateway's API, partner webhooks). */
  http?: (app: Express) => void;
  /** Checks `/readyz` requires: the pod cannot work without them. */
  readiness?: Record<string, ReadinessCheck>;
  /** Checks `/readyz` only reports (`degraded`): what the service answers for itself when it is away. */
  reported?: Record<string, ReadinessCheck>;
  onStop?: () => Promise<void>;
}

export interface ServiceDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  version?: string;
  /** Keys of the service's own, beyond the base configuration. */
  config?: S;
  migrations: MigrationClass[];
  build(deps: ServiceDeps<z.output<S>>): Promise<ServiceParts> | ServiceParts;
}

export interface RunningService<C = unknown> {
  deps: ServiceDeps<C>;
  httpPort: number;
  stop(): Promise<void>;
}

/** Every service publishes to and consumes from one stream of facts. */
export const eventSubjects = (prefix: string): string[] => [`${prefix}evt.>`];

/**
 * Starts a service: config, logger, database (migrated), NATS, Redis, the EVENTS stream, the
 * outbox relay, request handlers, event consumers, jobs and the ops HTTP server. `stop()` undoes
 * it in reverse so that nothing in flight is lost.
 */
export async function startService<S extends z.ZodObject>(
  def: ServiceDefinition<S>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService<z.output<S>>> {
  const schema = def.config ? BaseConfig.extend(def.config.shape) : BaseConfig;
  const config = parseConfig(schema, env) as z.output<S> & BaseConfig;
  const logger = createLogger(def.name, config.LOG_LEVEL);
  const metrics = createMetrics(def.name);
  const startedAt = Date.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const deadline = startedAt + config.STARTUP_TIMEOUT_MS;
  try {
    const db = await untilReachable('PostgreSQL', deadline, logger, () =>
      openDatabase({
        url: config.DATABASE_URL,
        schema: config.DB_SCHEMA ?? def.name.replace(/-/g, '_'),
        migrations: [...platformMigrations, ...def.migrations],
        poolSize: config.DB_POOL_SIZE,
        connectionWaitMs: config.DB_CONNECTION_WAIT_MS,
        runMigrations: config.RUN_MIGRATIONS,
        logger,
      }),
    );
    cleanups.push(() => db.destroy());
    const nc = await connect({
      servers: config.NATS_URL,
      name: def.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      waitOnFirstConnect: true,
      // A stack captured for every request and publish in case it times out cost a tenth of a
      // busy service's CPU (profile in docs/performance.md); our logs carry the request context.
      noAsyncTraces: true,
    });
    cleanups.push(() => nc.drain());
    void watchNats(nc, logger);
    const jsm = await nc.jetstreamManager();
    const js = nc.jetstream();
    await untilReachable('JetStream', deadline, logger, () =>
      ensureStream(jsm, { name: config.STREAM_NAME, subjects: eventSubjects(config.SUBJECT_PREFIX), replicas: config.STREAM_REPLICAS }),
    );
    const redis = await connectRedis(config.REDIS_URL, logger);
    // Closing waits for a reply Redis cannot give while it is away, so a client without a connection is dropped.
    cleanups.push(async () => (redis.isReady ? redis.close() : redis.destroy()));
    const bus = new Bus(nc, { subjectPrefix: config.SUBJECT_PREFIX, logger });
    const deps: ServiceDeps<z.output<S>> = {
      name: def.name,
      config,
      logger,
      db,
      nc,
      js,
      jsm,
      bus,
      redis,
      keys: new RedisKeys(`${config.REDIS_PREFIX}${def.name}:`),
      metrics,
    };
    const parts = await def.build(deps);

    const relay = new OutboxRelay({ db, js, subjectPrefix: config.SUBJECT_PREFIX, logger, metrics });
    relay.start();
    cleanups.push(() => relay.stop());

    const jobs = new JobRunner(db, logger, metrics);
    jobs.start([...housekeeping(db), ...(parts.jobs ?? [])]);
    cleanups.push(() => jobs.stop());

    const consumers = (parts.consumers ?? []).map(
      (handler) =>
        new EventConsumer({
          service: def.name,
          db,
          js,
          jsm,
          stream: config.STREAM_NAME,
          subjectPrefix: config.SUBJECT_PREFIX,
          handler,
          logger,
          metrics,
          ackWaitMs: config.CONSUMER_ACK_WAIT_MS,
        }),
    );
    for (const c of consumers) await c.start();
    cleanups.push(() => Promise.all(consumers.map((c) => c.stop())));

    const health = handle(healthContract(def.name), async () => ({
      service: def.name,
      status: 'ok' as const,
      version: def.version ?? '0.1.0',
      uptimeSeconds: (Date.now() - startedAt) / 1000,
    }));
    const server = new RequestServer({ nc, service: def.name, subjectPrefix: config.SUBJECT_PREFIX, logger, metrics });
    server.serve([health, ...parts.handlers]);
    cleanups.push(() => server.stop());
    // The round trip makes sure NATS has registered every subscription before we report started:
    // otherwise a request sent on another connection right away can find no responders.
    await nc.flush();

    const app = createOpsApp(
      def.name,
      {
        required: {
          postgres: async () => void (await db.query('SELECT 1')),
          nats: async () => {
            if (nc.isClosed()) throw new Error('connection closed');
            await nc.flush();
          },
          ...parts.readiness,
        },
        // Every caller of Redis has its answer for Redis being away (connectRedis): reported, not required.
        reported: { redis: async () => void (await redis.ping()), ...parts.reported },
      },
      metrics.registry,
    );
    parts.http?.(app);
    const { server: http, port } = await listen(app, config.HTTP_PORT, config.HTTP_HOST);
    cleanups.push(() => closeServer(http as Server));
    if (parts.onStop) cleanups.push(parts.onStop);
    logger.info({ httpPort: port, schema: config.DB_SCHEMA ?? def.name }, `${def.name} started`);

    let stopping: Promise<void> | undefined;
    return {
      deps,
      httpPort: port,
      stop: () => (stopping ??= runCleanups(cleanups, logger).then(() => logger.info(`${def.name} stopped`))),
    };
  } catch (e) {
    await runCleanups(cleanups, logger);
    throw e;
  }
}

/**
 * Stored command results are kept 24 h (a retry after that runs again, like Stripe's keys, and
 * a stored reply may hold a secret such as a voucher code); inbox rows outlive the stream's
 * 7-day retention so a late redelivery is still recognised.
 */
function housekeeping(db: DataSource): Job[] {
  return [
    {
      name: 'purge-idempotent-commands',
      everyMs: 600_000,
      run: async () => void (await db.query(`DELETE FROM idempotent_commands WHERE created_at < now() - interval '24 hours'`)),
    },
    { name: 'purge-inbox', everyMs: 3_600_000, run: async () => void (await db.query(`DELETE FROM inbox WHERE processed_at < now() - interval '8 days'`)) },
    { name: 'purge-closed-orders', everyMs: 3_600_000, run: async () => void (await db.query(`DELETE FROM closed_orders WHERE closed_at < now() - interval '1 day'`)) },
  ];
}

async function runCleanups(cleanups: (() => Promise<unknown>)[], logger: Logger): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup();
    } catch (e) {
      logger.warn({ err: e }, 'shutdown step failed');
    }
  }
}

async function watchNats(nc: NatsConnection, logger: Logger): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ nats: s.type, server: s.data }, `nats ${s.type}`);
  }
}

/**
 * The process entry point: starts the service, stops it on SIGTERM/SIGINT within the shutdown
 * budget, and exits with one clear line when the configuration is wrong.
 */
export function runServiceMain<S extends z.ZodObject>(def: ServiceDefinition<S>): void {
  startService(def).then(
    (running) => {
      const budget = running.deps.config.SHUTDOWN_TIMEOUT_MS;
      const shutdown = (signal: string) => {
        running.deps.logger.info({ signal }, 'shutting down');
        const force = setTimeout(() => {
          running.deps.logger.error('shutdown took too long: exiting');
          process.exit(1);
        }, budget);
        force.unref();
        void running.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (e: unknown) => {
      if (e instanceof ConfigError) process.stderr.write(`${def.name}: ${e.lines.join(`\n${def.name}: `)}\n`);
      else process.stderr.write(`${def.name}: failed to start: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

