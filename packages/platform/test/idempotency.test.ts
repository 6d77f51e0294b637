import { cleanUp, infra, isolation, type Infra } from '@tlp/testkit';
import type { DataSource } from 'typeorm';
import { createLogger, JobRunner, onceByKey, openDatabase, PlatformTables1763856000000 } from '../src';

const iso = isolation('platform_idem');
let i: Infra;
let db: DataSource;

beforeAll(async () => {
  i = await infra();
  db = await openDatabase({
    url: i.databaseUrl,
    schema: iso.schema,
    migrations: [PlatformTables1763856000000],
    poolSize: 20,
    runMigrations: true,
    logger: createLogger('test', 'silent'),
  });
  await db.query(`CREATE TABLE charges (id serial PRIMARY KEY, amount int NOT NULL)`);
});
afterAll(async () => {
  await db?.destroy();
  await cleanUp(i, iso);
});

describe('idempotent commands', () => {
  const charge = (key: string, amount: number) =>
    db.transaction((tx) =>
      onceByKey(tx, { tenantId: 'acme', scope: 'charge', key }, { amount }, async () => {
        const [row] = await tx.query(`INSERT INTO charges (amount) VALUES ($1) RETURNING id`, [amount]);
        return { chargeId: row.id as number };
      }),
    );

  it('runs a command once for 20 concurrent repeats of the same key and returns the first result to all', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => charge('k1', 500)));
    expect(new Set(results.map((r) => r.chargeId)).size).toBe(1);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM charges WHERE amount = 500`);
    expect(n).toBe(1);
  });

  it('refuses the same key with different parameters', async () => {
    await charge('k2', 100);
    await expect(charge('k2', 200)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('lets a failed command be retried under the same key', async () => {
    await expect(
      db.transaction((tx) =>
        onceByKey(tx, { tenantId: 'acme', scope: 'charge', key: 'k3' }, {}, async () => {
          throw new Error('card declined');
        }),
      ),
    ).rejects.toThrow('card declined');
    expect(await charge('k3', 42)).toHaveProperty('chargeId');
  });
});

describe('job leases', () => {
  it('lets only one of two replicas run a job, and the other take over once the lease lapses', async () => {
    const logger = createLogger('test', 'silent');
    const a = new JobRunner(db, logger);
    const b = new JobRunner(db, logger);
    const [ga, gb] = await Promise.all([a.acquire('expire-holds', 300), b.acquire('expire-holds', 300)]);
    expect([ga, gb].filter(Boolean)).toHaveLength(1);
    const holder = ga ? a : b;
    const other = ga ? b : a;
    expect(await holder.acquire('expire-holds', 300)).toBe(true);
    expect(await other.acquire('expire-holds', 300)).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await other.acquire('expire-holds', 300)).toBe(true);
  });

  it('runs a scheduled job in one replica only', async () => {
    await db.query(`CREATE TABLE job_runs (runner text NOT NULL)`);
    const logger = createLogger('test', 'silent');
    const runners = ['r1', 'r2'].map((name) => ({ name, runner: new JobRunner(db, logger) }));
    for (const { name, runner } of runners) {
      runner.start([{ name: 'sweep', everyMs: 50, run: async () => void (await db.query(`INSERT INTO job_runs VALUES ($1)`, [name])) }]);
    }
    await new Promise((r) => setTimeout(r, 600));
    await Promise.all(runners.map(({ runner }) => runner.stop()));
    const rows: { runner: string }[] = await db.query(`SELECT DISTINCT runner FROM job_runs`);
    expect(rows).toHaveLength(1);
  });
});
