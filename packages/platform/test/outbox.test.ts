import { cleanUp, connectNats, eventually, infra, isolation, type Infra } from '@tlp/testkit';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy, JSONCodec, type NatsConnection } from 'nats';
import type { DataSource } from 'typeorm';
import { createLogger, enqueueEvents, ensureStream, eventSubjects, openDatabase, OutboxRelay, outboxWritten, PlatformTables1763856000000 } from '../src';
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

  describe('an idle relay', () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    /** The relay's database, counting every look it takes (a query or a transaction). */
    function countingLooks(): { db: DataSource; looks: () => number } {
      let looks = 0;
      const counted = new Proxy(db, {
        get(target, prop) {
          const value: unknown = Reflect.get(target, prop, target);
          if (typeof value !== 'function') return value;
          const fn = value as (...args: unknown[]) => unknown;
          if (prop !== 'query' && prop !== 'transaction') return fn.bind(target);
          return (...args: unknown[]) => {
            looks++;
            return fn.apply(target, args);
          };
        },
      });
      return { db: counted, looks: () => looks };
    }

    it('looks at its outbox less and less often while nothing is written', async () => {
      const { db: counted, looks } = countingLooks();
      const relay = new OutboxRelay({ db: counted, js: nc.jetstream(), subjectPrefix: iso.subjectPrefix, logger: createLogger('test', 'silent'), idleMs: 50, maxIdleMs: 1000 });
      relay.start();
      await sleep(3000);
      await relay.stop();
      // Every 50 ms would be 60 looks; doubling up to a second is 7, plus the periodic clean-up.
      expect(looks()).toBeLessThanOrEqual(10);
    });

    it('keeps backing off after failures even while this process keeps writing events', async () => {
      const { db: counted, looks } = countingLooks();
      const relay = new OutboxRelay({
        db: counted,
        js: nc.jetstream(),
        subjectPrefix: iso.subjectPrefix,
        logger: createLogger('test', 'silent'),
        idleMs: 50,
        publish: () => Promise.reject(new Error('NATS is down')),
      });
      relay.start();
      try {
        for (let n = 0; n < 100; n++) {
          await db.transaction((tx) => enqueueEvents(tx, [{ contract: NoteAdded, tenantId: 'acme', data: { noteId: `down-${n}`, text: 'while NATS is down' } }]));
          await sleep(20);
        }
      } finally {
        await relay.stop();
      }
      // A try is a probe and a transaction, 100, 200, 400, 800 ms and more apart: a handful in
      // these two seconds, not one every 50 ms (about 40 tries).
      expect(looks()).toBeGreaterThan(0);
      expect(looks()).toBeLessThanOrEqual(16);
    });

    it('publishes events this process writes within its base interval, not after its idle back-off, however often they come', async () => {
      const published = new Map<string, number>();
      const js = nc.jetstream();
      const relay = new OutboxRelay({
        db,
        js,
        subjectPrefix: iso.subjectPrefix,
        logger: createLogger('test', 'silent'),
        idleMs: 50,
        maxIdleMs: 5000,
        publish: (subject, payload, msgId) => {
          published.set(msgId, Date.now());
          return js.publish(subject, payload, { msgID: msgId });
        },
      });
      relay.start();
      try {
        // Looks at 0, 0.05, 0.15, 0.35, 0.75, 1.55 and 3.15 s: the next would be at 6.35 s.
        await sleep(3600);
        const written = Date.now();
        const [event] = await db.transaction((tx) => enqueueEvents(tx, [{ contract: NoteAdded, tenantId: 'acme', data: { noteId: 'late', text: 'after a quiet while' } }]));
        // Then writes closer together than the base interval for 1.5 s: each may bring the next
        // look closer, none may push it back.
        const stream = setInterval(outboxWritten, 10);
        try {
          const at = await eventually(async () => published.get(event!.id), 10_000);
          expect(at - written).toBeLessThan(500);
        } finally {
          clearInterval(stream);
        }
      } finally {
        await relay.stop();
      }
    });
  });
});
