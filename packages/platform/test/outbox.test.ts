import { cleanUp, connectNats, eventually, infra, isolation, type Infra } from '@tlp/testkit';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { createLogger, enqueueEvents, ensureStream, eventSubjects, openDatabase, PlatformTables1763856000000 } from '../src';
import { NoteAdded } from './fixtures/demo-service';

const iso = isolation('platform_outbox');
let i: Infra;
let db: DataSource;
let nc: NatsConnection;

beforeAll(async () => {
  i = await infra();
  db = await openDatabase({
    url: i.databaseUrl,
    schema: iso.schema,
    migrations: [PlatformTables1763856000000],
    poolSize: 4,
    runMigrations: true,
    logger: createLogger('test', 'silent'),
  });
  nc = await connectNats(i);
  await ensureStream(await nc.jetstreamManager(), { name: iso.streamName, subjects: eventSubjects(iso.subjectPrefix), replicas: 1 });
});

afterAll(async () => {
  await db?.destroy();
  await nc?.close();
  await cleanUp(i, iso);
});

function runRelay(crashAfter: number): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/relay-child.ts')], {
    env: { ...process.env, DATABASE_URL: i.databaseUrl, NATS_URL: i.natsUrl, DB_SCHEMA: iso.schema, SUBJECT_PREFIX: iso.subjectPrefix, CRASH_AFTER: String(crashAfter) },
    stdio: 'inherit',
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? -9 : code)));
}

/** Every event id a fresh consumer sees in the stream, in order. */
async function idsInStream(): Promise<string[]> {
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(iso.streamName);
  if (info.state.messages === 0) return [];
  const durable = `reader_${Date.now()}`;
  await jsm.consumers.add(iso.streamName, { durable_name: durable, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All });
  const consumer = await nc.jetstream().consumers.get(iso.streamName, durable);
  const ids: string[] = [];
  const msgs = await consumer.fetch({ max_messages: info.state.messages, expires: 5000 });
  for await (const m of msgs) ids.push((JSONCodec().decode(m.data) as { id: string }).id);
  await jsm.consumers.delete(iso.streamName, durable);
  return ids;
}

describe('transactional outbox', () => {
  it('publishes every event exactly once even when the relay is killed in the middle of a batch', async () => {
    await db.transaction((tx) =>
      enqueueEvents(
        tx,
        Array.from({ length: 300 }, (_, n) => ({ contract: NoteAdded, tenantId: 'acme', data: { noteId: String(n), text: `note ${n}` } })),
      ),
    );
    // Killed after 150 acknowledged publishes: batch 1 (100) marked, batch 2 published in part, unmarked.
    expect(await runRelay(150)).toBe(-9);
    const [{ unpublished }] = await db.query(`SELECT count(*)::int AS unpublished FROM outbox WHERE published_at IS NULL`);
    expect(unpublished).toBe(200);

    const restarted = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures/relay-child.ts')], {
      env: { ...process.env, DATABASE_URL: i.databaseUrl, NATS_URL: i.natsUrl, DB_SCHEMA: iso.schema, SUBJECT_PREFIX: iso.subjectPrefix },
      stdio: 'inherit',
    });
    try {
      await eventually(async () => {
        const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`);
        return n === 0 ? true : undefined;
      }, 20_000);
    } finally {
      restarted.kill('SIGKILL');
    }
    const ids = await idsInStream();
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
  });

  it('writes nothing when the transaction that produced the event rolls back', async () => {
    const [{ before }] = await db.query(`SELECT count(*)::int AS before FROM outbox`);
    await expect(
      db.transaction(async (tx) => {
        await enqueueEvents(tx, [{ contract: NoteAdded, tenantId: 'acme', data: { noteId: 'x', text: 'rolled back' } }]);
        throw new Error('use case failed after writing');
      }),
    ).rejects.toThrow('use case failed');
    const [{ after }] = await db.query(`SELECT count(*)::int AS after FROM outbox`);
    expect(after).toBe(before);
  });

  it('refuses an event whose data breaks its contract', async () => {
    await expect(
      db.transaction((tx) => enqueueEvents(tx, [{ contract: NoteAdded, tenantId: 'acme', data: { noteId: 1 } as never }])),
    ).rejects.toThrow();
  });
});
