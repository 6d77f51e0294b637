import { DomainError } from '@tlp/contracts';
import type { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { Logger } from './logger';

export type Tx = EntityManager;
export type MigrationClass = new () => MigrationInterface;

/**
 * The tables the kit itself needs in every service schema: outbox, inbox, idempotent command
 * results, job leases, and events a consumer gave up on. Listed first in each service's migrations.
 */
export class PlatformTables1763856000000 implements MigrationInterface {
  name = 'PlatformTables1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        tenant_id text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL`);
    await q.query(`CREATE INDEX outbox_published_at ON outbox (published_at) WHERE published_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`
      CREATE TABLE failed_events (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        envelope jsonb NOT NULL,
        error text NOT NULL,
        failed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
    await q.query(`
      CREATE TABLE idempotent_commands (
        tenant_id text NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, scope, key)
      )`);
    await q.query(`
      CREATE TABLE job_leases (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['job_leases', 'idempotent_commands', 'failed_events', 'inbox', 'outbox']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}

/**
 * Orders that a release closed, per scope (a kind of hold): see `closeOrder`. Kept a day by the
 * kit's housekeeping, far beyond the longest hold.
 */
export class ClosedOrders1764200000000 implements MigrationInterface {
  name = 'ClosedOrders1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE closed_orders (
        scope text NOT NULL,
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        closed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, tenant_id, order_id)
      )`);
    // Only the purge reads it; BRIN costs next to nothing on a release's insert.
    await q.query(`CREATE INDEX closed_orders_at ON closed_orders USING brin (closed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE closed_orders`);
  }
}

/** The kit's tables, before each service's own migrations. */
export const platformMigrations: MigrationClass[] = [PlatformTables1763856000000, ClosedOrders1764200000000];

export interface DatabaseOptions {
  url: string;
  schema: string;
  migrations: MigrationClass[];
  poolSize: number;
  /** How long a query waits for a connection: a free one of the pool, or a new one. */
  connectionWaitMs?: number;
  runMigrations: boolean;
  logger: Logger;
}

/**
 * One data source per service schema. The search_path points at the schema so SQL stays
 * unqualified, and the same code runs against a throw-away schema in tests.
 */
export async function openDatabase(opts: DatabaseOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: opts.schema,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: opts.poolSize,
      options: `-c search_path=${opts.schema}`,
      connectionTimeoutMillis: opts.connectionWaitMs ?? 5000,
    },
  });
  await ds.initialize();
  try {
    if (opts.runMigrations) await migrate(ds, opts.schema, opts.logger);
  } catch (e) {
    await ds.destroy();
    throw e;
  }
  return ds;
}

/** Replicas starting together take an advisory lock, so migrations run once. */
async function migrate(ds: DataSource, schema: string, logger: Logger): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (applied.length) logger.info({ schema, migrations: applied.map((m) => m.name) }, 'migrations applied');
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrate:${schema}`]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * PostgreSQL too busy to give this request a connection in time (the pool's wait ran out, a new
 * connection took too long, or the server refused one: too many clients, starting up) becomes
 * UNAVAILABLE: the request may succeed a moment later, so it is not answered as a bug.
 */
export function databaseBusy(e: unknown): DomainError | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  const busy =
    code === '53300' ||
    code === '57P03' ||
    e.message === 'timeout exceeded when trying to connect' ||
    e.message === 'Connection terminated due to connection timeout';
  return busy ? new DomainError('UNAVAILABLE', 'The service is busy; try again in a moment', { retryAfterSeconds: 1 }) : undefined;
}

interface Queryable {
  query(query: string, parameters?: unknown[]): Promise<unknown>;
}

type PgQueryable = Pick<Pool | PoolClient, 'query'>;

/**
 * The pg pool or the transaction's pg client behind a TypeORM handle. Going to it directly
 * skips TypeORM's per-query runner, events and result wrapping, which cost about as much as the
 * statement itself on the checkout's hot paths (measured: docs/performance.md).
 */
function pgBehind(db: Queryable): PgQueryable | undefined {
  if (db instanceof DataSource) return (db.driver as unknown as { master?: Pool }).master;
  if (db instanceof EntityManager) {
    const runner = db.queryRunner as (QueryRunner & { databaseConnection?: PoolClient }) | undefined;
    if (runner?.isTransactionActive && !runner.isReleased) return runner.databaseConnection;
  }
  return undefined;
}

/**
 * Independent reads: at once on a pool, each on a connection of its own, and one after another
 * in a transaction, whose single connection would run them in turn anyway (and pg 9 refuses a
 * query sent while another runs on the same client).
 */
export async function readTogether<T extends readonly unknown[]>(db: Queryable, reads: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  if (!(db instanceof EntityManager && db.queryRunner?.isTransactionActive)) return (await Promise.all(reads.map((read) => read()))) as unknown as T;
  const results: unknown[] = [];
  for (const read of reads) results.push(await read());
  return results as unknown as T;
}

/**
 * A hold and a release of one order take turns, until the end of the transaction: a release that
 * comes while the hold is still being written (the checkout gave up waiting for its answer) waits
 * for it and releases it, instead of finding nothing and leaving it held until it expires.
 */
export async function oneAtATimePerOrder(tx: Queryable, scope: string, tenantId: string, orderId: string): Promise<void> {
  await sql(tx, `SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [scope, `${tenantId}/${orderId}`]);
}

/**
 * A release closes its order in this scope, even when it found nothing to release yet: a hold
 * for the order that arrives later (it waited in a queue while the checkout gave up and
 * released) is then refused instead of holding until it expires. Call both this and
 * `orderClosed` after `oneAtATimePerOrder`, so that each sees what the other committed.
 */
export async function closeOrder(tx: Queryable, scope: string, tenantId: string, orderId: string): Promise<void> {
  await sql(tx, `INSERT INTO closed_orders (scope, tenant_id, order_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [scope, tenantId, orderId]);
}

export async function orderClosed(tx: Queryable, scope: string, tenantId: string, orderId: string): Promise<boolean> {
  const rows = await sql(tx, `SELECT 1 FROM closed_orders WHERE scope = $1 AND tenant_id = $2 AND order_id = $3`, [scope, tenantId, orderId]);
  return rows.length > 0;
}

/**
 * A statement the server parses and plans once per connection. For the hot paths: a checkout's
 * multi-table statement costs more to plan than to run (measured: docs/performance.md). Names
 * are global to a pool, so one name must always mean one text.
 */
export interface PreparedStatement {
  readonly name: string;
  readonly text: string;
}

const preparedTexts = new Map<string, string>();

export function prepared(name: string, text: string): PreparedStatement {
  const known = preparedTexts.get(name);
  if (known !== undefined && known !== text) throw new Error(`prepared statement "${name}" is declared twice with different texts`);
  preparedTexts.set(name, text);
  return { name, text };
}

/**
 * Rows of any statement. TypeORM answers UPDATE and DELETE with `[rows, affectedCount]` but every
 * other statement with the rows, so `UPDATE … RETURNING` read through `query()` directly always
 * looks like two rows: a trap for conditional updates (`WHERE balance >= $n`).
 */
export async function sql<T = Record<string, unknown>>(db: Queryable, query: string | PreparedStatement, parameters: unknown[] = []): Promise<T[]> {
  const pg = pgBehind(db);
  if (pg) {
    const result = typeof query === 'string' ? await pg.query(query, parameters) : await pg.query({ name: query.name, text: query.text, values: parameters });
    return result.rows as T[];
  }
  const result = await db.query(typeof query === 'string' ? query : query.text, parameters);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}
