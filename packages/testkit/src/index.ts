import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, connect as tcpConnect, type Socket } from 'node:net';
import { connect as natsConnect, type NatsConnection } from 'nats';
import { Client } from 'pg';

export interface Infra {
  natsUrl: string;
  databaseUrl: string;
  redisUrl: string;
}

const defaults = {
  databaseUrl: { env: 'DATABASE_URL', url: 'postgres://postgres@127.0.0.1:5432/postgres', port: 5432, image: 'postgres:16-alpine' },
  natsUrl: { env: 'NATS_URL', url: 'nats://127.0.0.1:4222', port: 4222, image: 'nats:2.10-alpine' },
  redisUrl: { env: 'REDIS_URL', url: 'redis://127.0.0.1:6379', port: 6379, image: 'redis:7-alpine' },
} as const;

/** True when something accepts TCP connections on the port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ port, host });
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A real TCP link to a server (Redis, say) that a test can cut: every connection dropped and new
 * ones refused, as a server gone away. `url` is the server's URL with the link's address in it.
 */
export interface TcpRelay {
  url: string;
  cut(): void;
}

export async function tcpRelay(serverUrl: string, defaultPort: number): Promise<TcpRelay> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = tcpConnect({ port: Number(target.port || defaultPort), host: target.hostname });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(serverUrl);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as { port: number }).port);
  return {
    url: relayed.toString(),
    cut: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}

const dockerPresent = () => existsSync('/var/run/docker.sock') || Boolean(process.env.DOCKER_HOST);

let resolved: Promise<Infra> | undefined;

/**
 * Real PostgreSQL, NATS JetStream and Redis for a test: the URL in the environment, else the
 * server on the default local port, else a container when Docker is present, else a clear error.
 */
export function infra(): Promise<Infra> {
  resolved ??= (async () => {
    const out: Partial<Infra> = {};
    for (const [key, d] of Object.entries(defaults) as [keyof Infra, (typeof defaults)[keyof Infra]][]) {
      const fromEnv = process.env[d.env];
      if (fromEnv) out[key] = fromEnv;
      else if (await portOpen(d.port)) out[key] = d.url;
      else if (dockerPresent()) out[key] = await startContainer(key);
      else {
        throw new Error(
          `testkit: no ${d.env}: set it, run the server on 127.0.0.1:${d.port} (pnpm start brings one up), or install Docker for testcontainers`,
        );
      }
    }
    return out as Infra;
  })();
  return resolved;
}

async function startContainer(key: keyof Infra): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  if (key === 'databaseUrl') {
    const c = await new GenericContainer(defaults.databaseUrl.image)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/ready to accept connections/, 2))
      .start();
    return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
  }
  if (key === 'natsUrl') {
    const c = await new GenericContainer(defaults.natsUrl.image).withCommand(['-js']).withExposedPorts(4222).start();
    return `nats://${c.getHost()}:${c.getMappedPort(4222)}`;
  }
  const c = await new GenericContainer(defaults.redisUrl.image).withExposedPorts(6379).start();
  return `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
}

export interface Isolation {
  /** A database schema of its own. */
  schema: string;
  /** Prepended to every subject, so requests and events stay inside this test file. */
  subjectPrefix: string;
  /** A JetStream stream of its own. */
  streamName: string;
  redisPrefix: string;
}

/** Names no other test file uses, so files run in parallel against the same servers. */
export function isolation(label: string): Isolation {
  const id = randomBytes(4).toString('hex');
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30);
  return {
    schema: `t_${slug}_${id}`,
    subjectPrefix: `t${id}.`,
    streamName: `T_${id}`,
    redisPrefix: `t:${id}:`,
  };
}

/** The environment a service needs to start inside one isolation. */
export function serviceEnv(i: Infra, iso: Isolation, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NATS_URL: i.natsUrl,
    DATABASE_URL: i.databaseUrl,
    REDIS_URL: i.redisUrl,
    DB_SCHEMA: iso.schema,
    SUBJECT_PREFIX: iso.subjectPrefix,
    STREAM_NAME: iso.streamName,
    REDIS_PREFIX: iso.redisPrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HTTP_PORT: '0',
    ...extra,
  };
}

export async function connectNats(i: Infra): Promise<NatsConnection> {
  return natsConnect({ servers: i.natsUrl, name: 'test', noAsyncTraces: true });
}

/** Drops what a test file made: its schemas and its stream. */
export async function cleanUp(i: Infra, iso: Isolation, schemas: string[] = [iso.schema]): Promise<void> {
  const pg = new Client({ connectionString: i.databaseUrl });
  await pg.connect();
  try {
    for (const s of schemas) await pg.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  } finally {
    await pg.end();
  }
  const nc = await connectNats(i);
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(iso.streamName).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`eventually: gave up after ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const testContext = (tenantId: string, extra: { roles?: ('fan' | 'box-office' | 'operator' | 'admin')[]; contactId?: string } = {}) => ({
  tenantId,
  requestId: `test-${randomBytes(4).toString('hex')}`,
  actor: { sub: 'test', roles: extra.roles ?? ['admin'], ...(extra.contactId ? { contactId: extra.contactId } : {}) },
});
