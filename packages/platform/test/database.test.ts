import { cleanUp, infra, isolation, type Infra } from '@tlp/testkit';
import type { DataSource, EntityManager } from 'typeorm';
import { createLogger, openDatabase, PlatformTables1763856000000, readTogether, sql } from '../src';

const iso = isolation('platform_db');
let i: Infra;
let db: DataSource;

beforeAll(async () => {
  i = await infra();
  db = await openDatabase({ url: i.databaseUrl, schema: iso.schema, migrations: [PlatformTables1763856000000], poolSize: 5, runMigrations: true, logger: createLogger('test', 'silent') });
});
afterAll(async () => {
  await db?.destroy();
  await cleanUp(i, iso);
});

describe('independent reads', () => {
  /** A read that notes when it starts and ends. */
  const read = (log: string[], name: string, on: DataSource | EntityManager) => async () => {
    log.push(`${name} start`);
    await sql(on, 'SELECT pg_sleep(0.05)');
    log.push(`${name} end`);
    return name;
  };

  it('run at once on the pool, and come back in the order asked', async () => {
    const log: string[] = [];
    expect(await readTogether(db, [read(log, 'a', db), read(log, 'b', db)] as const)).toEqual(['a', 'b']);
    expect(log.slice(0, 2)).toEqual(['a start', 'b start']);
  });

  it('run one after another in a transaction, never two queries on its connection at once', async () => {
    const log: string[] = [];
    const results = await db.transaction((tx) => readTogether(tx, [read(log, 'a', tx), read(log, 'b', tx)] as const));
    expect(results).toEqual(['a', 'b']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end']);
  });
});
