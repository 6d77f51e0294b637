import { Bus, DomainError } from '@tlp/contracts';
import { connectRedis, createLogger, createMetrics, listen, openDatabase, PlatformTables1763856000000, RedisKeys, closeServer } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, type Infra } from '@tlp/testkit';
import express from 'express';
import { SignJWT } from 'jose';
import type { NatsConnection } from 'nats';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { createVerifier } from '../src/auth';
import { Backends } from '../src/backends';
import { Checkout } from '../src/checkout/checkout';
import { loyaltyCheckout } from '../src/checkout/loyalty';
import { CheckoutSagas } from '../src/checkout/saga';
import { HttpIdempotency1763856100000 } from '../src/db/migrations';
import { mountApi } from '../src/http/api';
import { HttpIdempotency } from '../src/http/idempotency';
import { RateLimiter } from '../src/http/rate-limit';
import { route } from '../src/http/route';
import { loyaltyRoutes } from '../src/routes/loyalty';

const secret = 's'.repeat(40);
const iso = isolation('gateway_api');
let i: Infra;
let db: DataSource;
let nc: NatsConnection;
let server: Server;
let base: string;
let redis: Awaited<ReturnType<typeof connectRedis>>;
const created: string[] = [];
let busy = false;
let fragileRuns = 0;

const token = (claims: Record<string, unknown>, key = secret) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(claims.sub ?? 'u1')).setExpirationTime('1h').sign(new TextEncoder().encode(key));

const routes = [
  route({
    method: 'get',
    path: '/things/:thingId',
    tag: 'test',
    summary: 'read',
    role: 'box-office',
    params: z.object({ thingId: z.string().regex(/^t-\d+$/) }),
    response: z.object({ thingId: z.string(), tenant: z.string() }),
    handle: async (ctx, { params }) => {
      if (params.thingId === 't-404') throw new DomainError('NOT_FOUND', 'no such thing');
      if (params.thingId === 't-500') throw new Error('database password is hunter2');
      return { thingId: params.thingId, tenant: ctx.principal.tenantId };
    },
  }),
  route({
    method: 'post',
    path: '/things',
    tag: 'test',
    summary: 'create',
    role: 'operator',
    status: 201,
    body: z.object({ name: z.string().min(1).max(20) }).strict(),
    response: z.object({ name: z.string(), n: z.int() }),
    handle: async (_ctx, { body }) => {
      await new Promise((r) => setTimeout(r, 50));
      created.push(body.name);
      return { name: body.name, n: created.length };
    },
  }),
  route({
    method: 'post',
    path: '/busy-things',
    tag: 'test',
    summary: 'create, once the thing is free',
    role: 'operator',
    status: 201,
    body: z.object({ name: z.string() }).strict(),
    response: z.object({ name: z.string() }),
    handle: async (_ctx, { body }) => {
      if (busy) throw new DomainError('CHECKOUT_IN_PROGRESS', `${body.name} is being processed`, { retryAfterSeconds: 1 });
      return { name: body.name };
    },
  }),
  route({
    method: 'post',
    path: '/fragile-things',
    tag: 'test',
    summary: 'create, and break the store of answers the first time',
    role: 'operator',
    status: 201,
    body: z.object({ name: z.string() }).strict(),
    response: z.object({ name: z.string(), runs: z.int() }),
    handle: async (_ctx, { body }) => {
      fragileRuns += 1;
      // The answer cannot be stored: as when the database goes away just after the work is done.
      if (fragileRuns === 1) await db.query(`ALTER TABLE http_idempotency RENAME COLUMN body TO body_gone`);
      return { name: body.name, runs: fragileRuns };
    },
  }),
  route({
    method: 'get',
    path: '/me/secret',
    tag: 'test',
    summary: 'a fan route',
    role: 'fan',
    needsContact: true,
    rateLimit: 'attempts',
    response: z.object({ contactId: z.string() }),
    handle: async (ctx) => ({ contactId: ctx.principal.contactId! }),
  }),
  // A real route, for what its body's schema says back.
  ...loyaltyRoutes.filter((r) => r.method === 'post' && r.path === '/loyalty-programs'),
];

beforeAll(async () => {
  i = await infra();
  const logger = createLogger('gateway-test', 'silent');
  db = await openDatabase({ url: i.databaseUrl, schema: iso.schema, migrations: [PlatformTables1763856000000, HttpIdempotency1763856100000], poolSize: 5, connectionWaitMs: 2000, runMigrations: true, logger });
  nc = await connectNats(i);
  redis = await connectRedis(i.redisUrl, logger);
  const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  const app = express();
  const backends = new Backends(bus, logger, createMetrics('gateway-test'));
  const checkout = new Checkout(backends, db, loyaltyCheckout(backends), logger);
  mountApi(app, {
    routes,
    verify: await createVerifier({ JWT_SECRET: secret }),
    backends,
    checkout,
    sagas: new CheckoutSagas(db, checkout, logger, 60_000),
    bus,
    idempotency: new HttpIdempotency(db),
    rateLimiter: new RateLimiter(redis, new RedisKeys(iso.redisPrefix), { tenantPerMinute: 1000, clientPerMinute: 1000, attemptsPerMinute: 3 }, logger),
    logger,
    version: 'test',
  });
  const l = await listen(app, 0, '127.0.0.1');
  server = l.server;
  base = `http://127.0.0.1:${l.port}`;
});

afterAll(async () => {
  await closeServer(server);
  await db?.destroy();
  await redis?.quit();
  await nc?.close();
  await cleanUp(i, iso);
});

async function call(method: string, path: string, opts: { token?: string; body?: unknown; key?: string; raw?: string } = {}) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.raw ? { 'content-type': 'application/json' } : {}),
      ...(opts.key ? { 'idempotency-key': opts.key } : {}),
    },
    body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('gateway API layer', () => {
  it('answers 401 problem+json without a token, with a token signed by another key, or with claims missing', async () => {
    for (const t of [undefined, await token({ tenant: 'acme', roles: ['admin'] }, 'x'.repeat(40)), await token({ roles: ['admin'] })]) {
      const r = await call('GET', '/v1/things/t-1', { token: t });
      expect(r.status).toBe(401);
      expect(r.type).toContain('application/problem+json');
      expect(r.body).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
    }
  });

  it('refuses a token once it expires, even one it accepted a moment before', async () => {
    const shortLived = await new SignJWT({ tenant: 'acme', roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-short')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(secret));
    expect((await call('GET', '/v1/things/t-1', { token: shortLived })).status).toBe(200);
    expect((await call('GET', '/v1/things/t-1', { token: shortLived })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await call('GET', '/v1/things/t-1', { token: shortLived })).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('takes the tenant from the token and refuses a role below the route with 403', async () => {
    const ok = await call('GET', '/v1/things/t-1', { token: await token({ tenant: 'acme', roles: ['box-office'] }) });
    expect(ok).toMatchObject({ status: 200, body: { thingId: 't-1', tenant: 'acme' } });
    expect(ok.type).toBe('application/json; charset=utf-8');
    const fan = await call('GET', '/v1/things/t-1', { token: await token({ tenant: 'acme', roles: ['fan'], contactId: 'c1' }) });
    expect(fan).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const noContact = await call('GET', '/v1/me/secret', { token: await token({ tenant: 'acme', roles: ['operator'] }) });
    expect(noContact).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
  });

  it('refuses bad input with 400 naming the field, and malformed JSON with 400, never a 500', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    const badParam = await call('GET', '/v1/things/nope', { token: op });
    expect(badParam).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(JSON.stringify(badParam.body.details)).toContain('thingId');
    const badBody = await call('POST', '/v1/things', { token: op, key: 'k-bad', body: { name: '', admin: true } });
    expect(badBody).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const malformed = await call('POST', '/v1/things', { token: op, key: 'k-raw', raw: '{"name": ' });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(malformed.type).toContain('application/problem+json');
  });

  it("says what a points wording with only one of its two forms lacks, where zod alone says 'Invalid input'", async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    const half = await call('POST', '/v1/loyalty-programs', { token: op, key: 'k-half', body: { name: 'Stars', unit: 'points', wording: { en: { one: 'star' } }, currency: 'EUR' } });
    expect(half).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect(half.type).toContain('application/problem+json');
    expect(half.body.details).toEqual({ issues: [{ in: 'body', path: 'wording.en', message: 'Give both the singular (one) and the plural (other), or a single word' }] });
  });

  it('maps a typed error to its status and hides an unexpected one', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    expect(await call('GET', '/v1/things/t-404', { token: op })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    const hidden = await call('GET', '/v1/things/t-500', { token: op });
    expect(hidden).toMatchObject({ status: 500, body: { code: 'INTERNAL', detail: 'Internal error' } });
    expect(JSON.stringify(hidden.body)).not.toContain('hunter2');
    expect(await call('GET', '/v1/nowhere', { token: op })).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
  });

  it('needs an Idempotency-Key on mutations, replays the first answer for a repeat, and refuses the key for another body', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    expect(await call('POST', '/v1/things', { token: op, body: { name: 'a' } })).toMatchObject({ status: 400 });
    const before = created.length;
    const first = await call('POST', '/v1/things', { token: op, key: 'k1', body: { name: 'a' } });
    const again = await call('POST', '/v1/things', { token: op, key: 'k1', body: { name: 'a' } });
    expect(first.status).toBe(201);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(created.length).toBe(before + 1);
    expect(await call('POST', '/v1/things', { token: op, key: 'k1', body: { name: 'b' } })).toMatchObject({
      status: 422,
      body: { code: 'IDEMPOTENCY_KEY_REUSED' },
    });
  });

  it('does not keep an answer that says to come back later: the retry with the same key runs again', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    busy = true;
    const first = await call('POST', '/v1/busy-things', { token: op, key: 'k-busy', body: { name: 'seat' } });
    expect(first).toMatchObject({ status: 409, body: { code: 'CHECKOUT_IN_PROGRESS' } });
    expect(first.headers.get('retry-after')).toBe('1');
    busy = false;
    const retried = await call('POST', '/v1/busy-things', { token: op, key: 'k-busy', body: { name: 'seat' } });
    expect(retried).toMatchObject({ status: 201, body: { name: 'seat' } });
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await call('POST', '/v1/busy-things', { token: op, key: 'k-busy', body: { name: 'seat' } })).toMatchObject({ status: 201, body: { name: 'seat' } });
  });

  it('lets a retry run again when the first answer could not be stored, instead of refusing it as in progress', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    const first = await call('POST', '/v1/fragile-things', { token: op, key: 'k-fragile', body: { name: 'gate' } });
    await db.query(`ALTER TABLE http_idempotency RENAME COLUMN body_gone TO body`);
    expect(first).toMatchObject({ status: 500, body: { code: 'INTERNAL' } });
    const retried = await call('POST', '/v1/fragile-things', { token: op, key: 'k-fragile', body: { name: 'gate' } });
    expect(retried).toMatchObject({ status: 201, body: { name: 'gate', runs: 2 } });
  });

  it('answers 503 with Retry-After when no database connection frees up in time, and runs the retry with the same key', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    const before = created.length;
    const holders = Array.from({ length: 5 }, () => db.createQueryRunner());
    await Promise.all(holders.map((h) => h.connect()));
    let crowded;
    try {
      crowded = await call('POST', '/v1/things', { token: op, key: 'k-crowded', body: { name: 'crowded' } });
    } finally {
      await Promise.all(holders.map((h) => h.release()));
    }
    expect(crowded).toMatchObject({ status: 503, body: { code: 'UNAVAILABLE', details: { retryAfterSeconds: 1 } } });
    expect(crowded.type).toContain('application/problem+json');
    expect(crowded.headers.get('retry-after')).toBe('1');
    expect(created.length).toBe(before);
    expect(await call('POST', '/v1/things', { token: op, key: 'k-crowded', body: { name: 'crowded' } })).toMatchObject({ status: 201 });
    expect(created.length).toBe(before + 1);
  });

  it('runs concurrent repeats of one key once', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    const before = created.length;
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('POST', '/v1/things', { token: op, key: 'k-burst', body: { name: 'burst' } })));
    expect(created.length).toBe(before + 1);
    for (const r of replies) expect([201, 409]).toContain(r.status);
  });

  it('keeps keys per tenant: the same key in another tenant is another request', async () => {
    const before = created.length;
    await call('POST', '/v1/things', { token: await token({ tenant: 'acme', roles: ['operator'] }), key: 'shared', body: { name: 'x' } });
    await call('POST', '/v1/things', { token: await token({ tenant: 'other', roles: ['operator'] }), key: 'shared', body: { name: 'x' } });
    expect(created.length).toBe(before + 2);
  });

  it('limits code and PIN attempts per client with 429 and Retry-After', async () => {
    const fan = await token({ sub: 'fan-9', tenant: 'acme', roles: ['fan'], contactId: 'c9' });
    const statuses = [];
    for (let n = 0; n < 5; n++) statuses.push((await call('GET', '/v1/me/secret', { token: fan })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await call('GET', '/v1/me/secret', { token: fan });
    expect(limited.body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('counts each window in Redis with an expiry (a client by leases of a hundredth of its limit, attempts one by one), so no counter outlives its window by more than a minute', async () => {
    const fan = await token({ sub: 'fan-ttl', tenant: 'acme', roles: ['fan'], contactId: 'c10' });
    // Both calls in one window: a run that reached the end of a minute would count them in two.
    const leftInMinute = 60_000 - (Date.now() % 60_000);
    if (leftInMinute < 5_000) await new Promise((r) => setTimeout(r, leftInMinute + 50));
    const window = Math.floor(Date.now() / 60_000);
    await call('GET', '/v1/me/secret', { token: fan });
    await call('GET', '/v1/me/secret', { token: fan });
    const keys = [`rl:acme:fan-ttl:${window}`, `rl-attempts:acme:fan-ttl:${window}`].map((k) => iso.redisPrefix + k);
    expect(await Promise.all(keys.map((k) => redis.get(k)))).toEqual(['10', '2']);
    for (const k of keys) expect(await redis.ttl(k)).toBeGreaterThan(60);
    for (const k of keys) expect(await redis.ttl(k)).toBeLessThanOrEqual(120);
  });
});

describe('a key left in progress by a gateway that died', () => {
  it('is taken over by a retry once it is stale, and not before', async () => {
    const op = await token({ tenant: 'acme', roles: ['operator'] });
    await db.query(`INSERT INTO http_idempotency (tenant_id, sub, key, request_hash) VALUES ('acme', 'u1', 'k-orphan', 'x')`);
    const hash = (await db.query(`SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS h`, [JSON.stringify(['post', '/v1/things', { name: 'orphan' }])]))[0].h;
    await db.query(`UPDATE http_idempotency SET request_hash = $1 WHERE key = 'k-orphan'`, [hash]);
    expect((await call('POST', '/v1/things', { token: op, key: 'k-orphan', body: { name: 'orphan' } })).status).toBe(409);
    await db.query(`UPDATE http_idempotency SET created_at = now() - interval '31 seconds' WHERE key = 'k-orphan'`);
    const retried = await call('POST', '/v1/things', { token: op, key: 'k-orphan', body: { name: 'orphan' } });
    expect(retried).toMatchObject({ status: 201, body: { name: 'orphan' } });
  });
});
