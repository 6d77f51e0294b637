import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { serviceNames, Platform, type ProcessName } from '../harness';
import { checkoutStream, seedFans } from '../reliability/checkouts';
import { expectSettledInvariants } from '../reliability/invariants';

/**
 * Every service as two replicas against the same NATS, PostgreSQL and Redis, started at the same
 * moment and driven through HTTP: requests are shared by each service's queue group, and yet
 * each service migrates once, each event is published once and applied once, and each job is
 * run by one replica. Checked by what the work leaves: every order published, earned and
 * captured once (outbox relays, consumers, checkout recovery in two gateways), every partner
 * message booked once (two delivery jobs), one decision per holder in a renewal run (two run
 * workers), exactly the codes asked for (two generation workers); every outbox row seen once on
 * the wire; and each replica's own count of the jobs it ran (job_runs_total).
 */
// Twelve processes at the default pool of 10 could take 120 connections, more than a default
// PostgreSQL allows (100), with another test file's platform running beside this one.
const pool = { DB_POOL_SIZE: '6' };
const platform = new Platform({
  label: 'scale_all',
  replicas: 2,
  env: {
    gateway: { ...pool, RATE_LIMIT_CLIENT_PER_MIN: '100000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000', CHECKOUT_RECOVERY_EVERY_MS: '300' },
    'partner-sync': { ...pool, DELIVERY_BASE_DELAY_MS: '200', DELIVERY_POLL_MS: '200' },
    loyalty: pool,
    promotion: pool,
    voucher: pool,
    renewal: pool,
  },
});
const tenant = 'twin';
const FANS = 6;

/** Nats-Msg-Id of every event put on the wire, JetStream's duplicates included: a plain subscriber sees each publish. */
const onTheWire: string[] = [];
let watcher: NatsConnection | undefined;

beforeAll(async () => {
  await platform.start();
  watcher = await connectNats(platform.urls);
  watcher.subscribe(`${platform.iso.subjectPrefix}>`, {
    callback: (_err, msg) => {
      const id = msg.headers?.get('Nats-Msg-Id');
      if (id) onTheWire.push(id);
    },
  });
  await watcher.flush();
}, 240_000);
afterAll(async () => {
  await watcher?.close();
  await platform.stop();
}, 60_000);

/** What every service runs besides its own jobs (packages/platform/src/service.ts), each at most hourly. */
const housekeeping = ['purge-idempotent-commands', 'purge-inbox', 'purge-closed-orders'];
const jobsOf: Record<(typeof serviceNames)[number], string[]> = {
  loyalty: ['release-expired-holds', 'expire-lots'],
  promotion: ['promotion.holds.expire', 'promotion.codes.generate'],
  voucher: ['voucher-hold-expiry', 'voucher-expiry', 'voucher-orders-clean-up'],
  renewal: ['renewal-runs', 'renewal-reservation-expiry'],
  'partner-sync': ['partner-deliveries', 'partner-hold-expiry'],
  gateway: ['checkout-recovery'],
};

/** One process's job runs by job, from its /metrics. */
async function jobRuns(name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${platform.urlOf(name as ProcessName)}/metrics`)).text();
  const runs: Record<string, number> = {};
  for (const line of text.split('\n').filter((l) => l.startsWith('job_runs_total{'))) {
    const job = /job="([^"]+)"/.exec(line)![1]!;
    runs[job] = (runs[job] ?? 0) + Number(line.split(' ').pop());
  }
  return runs;
}

/** How many requests one process answered, from its /metrics. */
async function requestsServed(name: ProcessName | `${ProcessName}#1`): Promise<number> {
  const text = await (await fetch(`${platform.urlOf(name as ProcessName)}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('rpc_handler_seconds_count'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('two replicas of every service', () => {
  it('migrates each service once although both its replicas started together', async () => {
    for (const service of serviceNames) {
      const rows = await platform.sql<{ name: string; n: number }>(service, `SELECT name, count(*)::int AS n FROM migrations GROUP BY name`);
      expect({ service, migrations: rows.length > 0, twice: rows.filter((r) => r.n !== 1) }).toEqual({ service, migrations: true, twice: [] });
    }
  });

  it('shares the work and still applies each event once: checkouts, earning, partner messages', async () => {
    await seedFans(platform, tenant, FANS);
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const simulator = `${platform.simulatorUrl}/_control`;
    const apiKey = 'twin-key-0123456789';
    const outbound = `whsec_${randomBytes(32).toString('base64')}`;
    await fetch(`${simulator}/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiKey, verifySecrets: [outbound] }) });
    const partner = await admin('POST', '/v1/partners', {
      name: 'Twin rewards',
      apiBaseUrl: platform.simulatorUrl,
      apiKey,
      wording: { en: 'twin points' },
      conversion: { points: 1, amountMinor: 1, currency: 'EUR' },
      inboundSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
      outboundSecrets: [outbound],
    });
    expect(partner.status).toBe(201);
    const nc = await connectNats(platform.urls);
    for (let f = 0; f < FANS; f++) {
      const envelope = { id: crypto.randomUUID(), tenantId: tenant, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: `fan-${f}`, seasonTicketHolder: true } };
      await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
    }
    await nc.close();

    const outcomes = await checkoutStream(platform, tenant, FANS, 8, 'twin');
    await expectSettledInvariants(platform, outcomes);

    const confirmed = await platform.sql<{ order_id: string }>('gateway', `SELECT order_id FROM checkout_sagas WHERE state = 'confirmed'`);
    const books = await eventually(async () => {
      const b = (await (await fetch(`${simulator}/accounts/${apiKey}/books`)).json()) as { members: unknown[]; entries: { kind: string; orderId: string }[] };
      return b.members.length === FANS && b.entries.filter((e) => e.kind === 'earn').length >= confirmed.length ? b : undefined;
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const earns = books.entries.filter((e) => e.kind === 'earn').map((e) => e.orderId);
    expect(earns.sort()).toEqual(confirmed.map((c) => c.order_id).sort());

    // Both replicas of each service behind the gateway answered requests.
    for (const s of serviceNames.filter((n) => n === 'loyalty' || n === 'promotion' || n === 'partner-sync')) {
      expect({ service: s, first: (await requestsServed(s)) > 0, second: (await requestsServed(`${s}#1`)) > 0 }).toEqual({ service: s, first: true, second: true });
    }
  }, 240_000);

  it('generates exactly the codes asked for with both replicas generating', async () => {
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const advantage = await admin<{ advantageId: string }>('POST', '/v1/advantages', {
      season: '2026',
      family: 'event',
      names: { internal: { en: 'Twin codes' }, public: { en: 'Twin codes' } },
      target: { type: 'single-use-codes' },
      prices: [{ productId: 'p1', priceMinor: 1000, currency: 'EUR' }],
    });
    await admin('POST', `/v1/advantages/${advantage.body.advantageId}/transitions`, { to: 'in-operation' });
    const batch = await admin<{ batchId: string }>('POST', '/v1/code-batches', { advantageId: advantage.body.advantageId, contactId: 'fan-0', count: 120_000 });
    expect(batch.status).toBe(201);
    await eventually(async () => ((await admin<{ state: string }>('GET', `/v1/code-batches/${batch.body.batchId}`)).body.state === 'ready' ? true : undefined), 60_000);
    const [codes] = await platform.sql<{ n: number; distinct: number }>('promotion', `SELECT count(*)::int AS n, count(DISTINCT code)::int AS distinct FROM single_use_codes WHERE batch_id = $1`, [batch.body.batchId]);
    expect(codes).toEqual({ n: 120_000, distinct: 120_000 });
  }, 120_000);

  it('decides each holder once in a renewal run with both replicas running runs', async () => {
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const seats = Array.from({ length: 30 }, (_, n) => ({ area: 'A', row: '1', number: String(n + 1) }));
    const space = await admin<{ spaceId: string }>('POST', '/v1/spaces', { name: 'Twin arena' });
    const physical = await admin<{ physicalConfigurationId: string }>('POST', '/v1/physical-configurations', { spaceId: space.body.spaceId, name: 'Bowl', seats });
    const logical = await admin<{ logicalConfigurationId: string }>('POST', '/v1/logical-configurations', {
      physicalConfigurationId: physical.body.physicalConfigurationId,
      name: 'Concert',
      seats: seats.map((s) => ({ ...s, category: 'cat-1' })),
    });
    const performance = async (day: number) =>
      (await admin<{ performanceId: string }>('POST', '/v1/performances', { logicalConfigurationId: logical.body.logicalConfigurationId, name: `Night ${day}`, startsAt: new Date(Date.now() + day * 86_400_000).toISOString() }))
        .body.performanceId;
    const origin = await admin<{ seasonTicketId: string }>('POST', '/v1/season-tickets', { name: 'This season', type: 'fixed-seat', quota: 30, performanceIds: [await performance(1)] });
    const target = await admin<{ seasonTicketId: string }>('POST', '/v1/season-tickets', { name: 'Next season', type: 'fixed-seat', quota: 30, performanceIds: [await performance(2)] });
    for (let h = 0; h < 20; h++) {
      const bought = await admin('POST', `/v1/season-tickets/${origin.body.seasonTicketId}/purchases`, {
        orderId: `season-${h}`,
        tickets: [{ contactId: `holder-${h}`, seatCategory: 'cat-1', seats: [{ ...seats[h]!, physicalConfigurationId: physical.body.physicalConfigurationId }] }],
      });
      expect(bought.status).toBe(201);
    }
    const run = await admin<{ runId: string }>('POST', '/v1/renewal-runs', { runKey: 'twin-run', originSeasonTicketId: origin.body.seasonTicketId, targetSeasonTicketId: target.body.seasonTicketId });
    const report = await eventually(async () => {
      const r = await admin<{ status: string; renewed: number; notRenewed: number }>('GET', `/v1/renewal-runs/${run.body.runId}`);
      return r.body.status === 'completed' ? r.body : undefined;
    }, 60_000);
    expect(report.renewed + report.notRenewed).toBe(20);
    const [decisions] = await platform.sql<{ n: number; distinct: number }>('renewal', `SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS distinct FROM renewal_decisions WHERE run_id = $1`, [run.body.runId]);
    expect(decisions).toEqual({ n: 20, distinct: 20 });
  }, 120_000);

  // Last: what every replica did in all the tests above.
  it('publishes every event of every service once, whichever replica relayed it', async () => {
    for (const service of serviceNames) {
      await eventually(async () => ((await platform.sql<{ n: number }>(service, `SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`))[0]!.n === 0 ? true : undefined), 30_000);
    }
    // Time for a second publish to show, if one happened.
    await new Promise((r) => setTimeout(r, 1000));
    const times = new Map<string, number>();
    for (const id of onTheWire) times.set(id, (times.get(id) ?? 0) + 1);
    let events = 0;
    for (const service of serviceNames) {
      const ids = (await platform.sql<{ id: string }>(service, `SELECT id FROM outbox`)).map((r) => r.id);
      events += ids.length;
      const notOnce = ids.filter((id) => times.get(id) !== 1).map((id) => ({ id, times: times.get(id) ?? 0 }));
      expect({ service, notOnce }).toEqual({ service, notOnce: [] });
    }
    expect(events).toBeGreaterThan(50);
  });

  it('runs each job in one replica of its service only, and each housekeeping job once', async () => {
    for (const service of serviceNames) {
      const [first, second] = await Promise.all([jobRuns(service), jobRuns(`${service}#1`)]);
      const jobs = [...housekeeping, ...jobsOf[service]];
      expect({ service, jobs: Object.keys({ ...first, ...second }).sort() }).toEqual({ service, jobs: [...jobs].sort() });
      for (const job of jobs) {
        const runs = [first[job] ?? 0, second[job] ?? 0];
        expect({ service, job, replicasRunningIt: runs.filter((n) => n > 0).length }).toEqual({ service, job, replicasRunningIt: 1 });
        if (housekeeping.includes(job)) expect({ service, job, runs: runs[0]! + runs[1]! }).toEqual({ service, job, runs: 1 });
      }
    }
  });
});
