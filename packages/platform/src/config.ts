import { z } from 'zod';

/** What every service needs; a service extends it with its own keys. */
export const BaseConfig = z.object({
  NATS_URL: z.string().regex(/^(nats|tls):\/\/.+/, 'must be a nats:// URL'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/.+/, 'must be a redis:// URL'),
  /** The schema this service owns; defaults to the service name with dashes as underscores. */
  DB_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _').optional(),
  /** At least 2: migrating holds a lock on one connection while the migrations run on another. */
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  /** How long a query waits for a free pooled connection (or a new one) before the request is answered UNAVAILABLE. */
  DB_CONNECTION_WAIT_MS: z.coerce.number().int().min(50).max(60_000).default(5000),
  /** Runs migrations at start; app replicas can turn it off when a job migrates first. */
  RUN_MIGRATIONS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  SUBJECT_PREFIX: z.string().regex(/^([a-z0-9_-]+\.)?$/, 'empty, or a token ending with a dot').default(''),
  STREAM_NAME: z.string().regex(/^[A-Za-z0-9_-]+$/).default('EVENTS'),
  STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  REDIS_PREFIX: z.string().default(''),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HTTP_HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How long a delivered event may stay unacknowledged before JetStream sends it again (after a
   * consumer crashed mid-batch, this is how long its events wait). Above the slowest batch.
   */
  CONSUMER_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  /** How long start-up waits for PostgreSQL and JetStream to answer before giving up. */
  STARTUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(60_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(4000),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses the environment once; every bad key is named on its own line. */
export function parseConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    const key = i.path.map(String).join('.') || '(environment)';
    const missing = i.code === 'invalid_type' && env[key] === undefined;
    return `config: ${key} ${missing ? 'is missing' : `is invalid: ${i.message}`}`;
  });
  throw new ConfigError(lines);
}
