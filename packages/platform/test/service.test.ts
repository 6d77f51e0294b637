import { Bus } from '@tlp/contracts';
import { cleanUp, connectNats, eventually, freePort, infra, isolation, serviceEnv, tcpRelay, testContext, type Infra } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { createConnection, createServer, type Socket } from 'node:net';
import { BaseConfig, ConfigError, ensureStream, parseConfig, startService } from '../src';
import { addNote, demoService, slowEcho } from './fixtures/demo-service';

let i: Infra;
let nc: NatsConnection;
beforeAll(async () => {
  i = await infra();
  nc = await connectNats(i);
});
afterAll(async () => {
  await nc?.close();
});

describe('configuration', () => {
  it('names every missing or malformed variable on a line of its own', () => {
    let err: unknown;
    try {
      parseConfig(BaseConfig, { NATS_URL: 'http://wrong', REDIS_URL: 'redis://x', HTTP_PORT: 'eighty' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).lines).toEqual([
      'config: NATS_URL is invalid: must be a nats:// URL',
      'config: DATABASE_URL is missing',
      expect.stringMatching(/^config: HTTP_PORT is invalid/),
    ]);
  });

  it('refuses to start a service with a bad environment before touching anything', async () => {
    await expect(startService(demoService(), { NATS_URL: 'nats://127.0.0.1:4222' })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('lifecycle', () => {
  const iso = isolation('platform_lifecycle');
  afterAll(() => cleanUp(i, iso));

  it('stays ready while Redis is unreachable, saying so (degraded), and stops without waiting for it', async () => {
    const relay = await tcpRelay(i.redisUrl, 6379);
    const svc = await startService(demoService(), serviceEnv(i, iso, { REDIS_URL: relay.url }));
    try {
      const readiness = async () => {
        const res = await fetch(`http://127.0.0.1:${svc.httpPort}/readyz`);
        return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> } };
      };
      expect(await readiness()).toMatchObject({ status: 200, body: { status: 'ready', checks: { postgres: { ok: true }, nats: { ok: true }, redis: { ok: true } } } });
      relay.cut();
      await eventually(async () => ((await readiness()).body.status === 'degraded' ? true : undefined));
      expect(await readiness()).toMatchObject({ status: 200, body: { checks: { postgres: { ok: true }, redis: { ok: false } } } });
    } finally {
      await svc.stop();
    }
  });

  it('answers a request already in flight when it is asked to stop, then stops', async () => {
    const svc = await startService(demoService(), serviceEnv(i, iso));
    const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
    const inFlight = bus.request(slowEcho, testContext('acme'), { ms: 600, value: 'kept' });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await svc.stop();
    expect(await inFlight).toEqual({ value: 'kept' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await expect(bus.request(slowEcho, testContext('acme'), { ms: 0, value: 'late' })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('answers UNAVAILABLE, not INTERNAL, when no database connection frees up within the wait, writing nothing, and serves again once one does', async () => {
    const svc = await startService(demoService(), serviceEnv(i, iso, { DB_POOL_SIZE: '2', DB_CONNECTION_WAIT_MS: '500' }));
    try {
      const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
      const notes = async () => (await svc.deps.db.query(`SELECT count(*)::int AS n FROM notes WHERE text = 'crowded'`))[0].n as number;
      const holders = [svc.deps.db.createQueryRunner(), svc.deps.db.createQueryRunner()];
      await Promise.all(holders.map((h) => h.connect()));
      try {
        await expect(bus.request(addNote, testContext('acme'), { text: 'crowded' })).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { retryAfterSeconds: 1 } });
      } finally {
        await Promise.all(holders.map((h) => h.release()));
      }
      expect(await notes()).toBe(0);
      await bus.request(addNote, testContext('acme'), { text: 'crowded' });
      expect(await notes()).toBe(1);
    } finally {
      await svc.stop();
    }
  });

  it('creates the stream idempotently when several replicas start at once', async () => {
    const jsm = await nc.jetstreamManager();
    const spec = { name: iso.streamName, subjects: [`${iso.subjectPrefix}evt.>`], replicas: 1 };
    await Promise.all([ensureStream(jsm, spec), ensureStream(jsm, spec), ensureStream(jsm, spec)]);
    expect((await jsm.streams.info(iso.streamName)).config.subjects).toEqual(spec.subjects);
  });
});

describe('start-up', () => {
  const iso = isolation('platform_startup');
  afterAll(() => cleanUp(i, iso));

  /**
   * A port that refuses connections until `open()` forwards it to the real server; with
   * `delayMs`, what the client sends reaches the server that much later, in order.
   */
  async function lateServer(target: string, delayMs = 0): Promise<{ url: string; open(): Promise<void>; close(): Promise<void> }> {
    const to = new URL(target);
    const port = await freePort();
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = createConnection(Number(to.port), to.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      if (delayMs === 0) client.pipe(upstream);
      else client.on('data', (chunk) => setTimeout(() => upstream.writable && upstream.write(chunk), delayMs));
      upstream.pipe(client);
    });
    const url = new URL(target);
    url.port = String(port);
    return {
      url: url.toString(),
      open: () => new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve())),
      close: () =>
        new Promise((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  }

  it('waits for a PostgreSQL that comes up after the service, instead of exiting', async () => {
    const pg = await lateServer(i.databaseUrl);
    setTimeout(() => void pg.open(), 1500);
    const started = Date.now();
    const svc = await startService(demoService(), serviceEnv(i, iso, { DATABASE_URL: pg.url }));
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
      expect(await new Bus(nc, { subjectPrefix: iso.subjectPrefix }).request(slowEcho, testContext('acme'), { ms: 0, value: 'up' })).toEqual({ value: 'up' });
    } finally {
      await svc.stop();
      await pg.close();
    }
  });

  it('answers a request from another connection as soon as start-up returns, even when its link to NATS is slow', async () => {
    const natsLink = await lateServer(i.natsUrl, 300);
    await natsLink.open();
    const svc = await startService(demoService(), serviceEnv(i, iso, { NATS_URL: natsLink.url }));
    try {
      expect(await new Bus(nc, { subjectPrefix: iso.subjectPrefix }).request(slowEcho, testContext('acme'), { ms: 0, value: 'ready' })).toEqual({ value: 'ready' });
    } finally {
      await svc.stop();
      await natsLink.close();
    }
  });

  it('gives up with the connection error once the start-up deadline has passed', async () => {
    const pg = await lateServer(i.databaseUrl);
    const started = Date.now();
    await expect(startService(demoService(), serviceEnv(i, iso, { DATABASE_URL: pg.url, STARTUP_TIMEOUT_MS: '1000' }))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
