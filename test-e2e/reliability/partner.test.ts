import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Platform } from '../harness';
import { expectSettledInvariants } from './invariants';

/**
 * The loyalty partner through the whole platform: down for a while (simulator switch) while
 * contacts register and fans buy, then back; and its webhooks delivered many times over.
 */
const platform = new Platform({
  label: 'rel_partner',
  env: {
    'partner-sync': { DELIVERY_BASE_DELAY_MS: '200', DELIVERY_MAX_DELAY_MS: '1000', DELIVERY_POLL_MS: '200' },
    gateway: { RATE_LIMIT_CLIENT_PER_MIN: '100000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000' },
  },
});
const tenant = 'rugby';
const apiKey = 'rel-partner-key-0001';
const inbound = `whsec_${randomBytes(32).toString('base64')}`;
const FANS = 12;
let partnerId = '';

interface Books {
  members: { externalRef: string; points: number }[];
  entries: { kind: string; orderId: string; messageId: string }[];
  replays: number;
}
const control = async <T>(method: string, path: string, body?: unknown): Promise<T> =>
  (await (await fetch(`${platform.simulatorUrl}/_control${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined })).json()) as T;
const books = () => control<Books>('GET', `/accounts/${apiKey}/books`);

beforeAll(async () => {
  await platform.start();
  const outbound = `whsec_${randomBytes(32).toString('base64')}`;
  await control('POST', '/accounts', { apiKey, verifySecrets: [outbound] });
  const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const partner = await admin<{ partnerId: string }>('POST', '/v1/partners', {
    name: 'Rewards4Rugby',
    apiBaseUrl: platform.simulatorUrl,
    apiKey,
    wording: { en: 'Rugby points' },
    conversion: { points: 1, amountMinor: 1, currency: 'GBP' },
    inboundSecrets: [inbound],
    outboundSecrets: [outbound],
  });
  expect(partner.status).toBe(201);
  partnerId = partner.body.partnerId;
}, 180_000);
afterAll(() => platform.stop(), 60_000);

describe('the loyalty partner under faults', () => {
  it('queues contacts and earn reports while the partner is down, keeps checkouts fast, and books each exactly once when it is back', async () => {
    await control('POST', '/', { down: true });
    const nc = await connectNats(platform.urls);
    for (let f = 0; f < FANS; f++) {
      const envelope = { id: crypto.randomUUID(), tenantId: tenant, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: `fan-${f}`, seasonTicketHolder: true } };
      await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
    }
    await nc.close();

    const slowest: number[] = [];
    for (let f = 0; f < FANS; f++) {
      const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: `fan-${f}` }));
      const cart = { channel: 'web', currency: 'GBP', lines: [{ lineId: 'l1', productId: 'match', productFamily: 'event', unitPriceMinor: 3000, quantity: 1 }] };
      const started = Date.now();
      const quote = await fan<{ balances: { partners: { stale: boolean }[] } }>('POST', '/v1/checkout/quote', cart);
      expect(quote.status).toBe(200);
      expect((await fan('POST', '/v1/checkout/holds', { ...cart, orderId: `down-${f}` })).status).toBe(201);
      expect((await fan<{ state: string }>('POST', `/v1/checkout/down-${f}/confirmation`)).body.state).toBe('confirmed');
      slowest.push(Date.now() - started);
    }
    // The partner being down costs a checkout no more than its breaker's timeout, and soon nothing.
    expect(Math.max(...slowest.slice(3))).toBeLessThan(1_000);
    const pending = await platform.sql<{ n: number }>('partner-sync', `SELECT count(*)::int AS n FROM deliveries WHERE state = 'pending'`);
    expect(pending[0]!.n).toBeGreaterThanOrEqual(FANS);
    expect((await books()).members).toEqual([]);

    await control('POST', '/', { down: false });
    const back = await eventually(async () => {
      const b = await books();
      const earns = b.entries.filter((e) => e.kind === 'earn');
      return b.members.length === FANS && earns.length >= FANS ? b : undefined;
    }, 60_000);
    await new Promise((r) => setTimeout(r, 1_500));
    const final = await books();
    expect(final.members.map((m) => m.externalRef).sort()).toEqual(Array.from({ length: FANS }, (_, f) => `fan-${f}`).sort());
    const earnOrders = final.entries.filter((e) => e.kind === 'earn').map((e) => e.orderId);
    expect(earnOrders.sort()).toEqual(Array.from({ length: FANS }, (_, f) => `down-${f}`).sort());
    expect(final.entries.length).toBe(back.entries.length);
    const left = await platform.sql<{ state: string; n: number }>('partner-sync', `SELECT state, count(*)::int AS n FROM deliveries GROUP BY state`);
    expect(left).toEqual([{ state: 'delivered', n: FANS * 2 }]);
    await expectSettledInvariants(platform);
  }, 180_000);

  it('applies a webhook delivered many times, at once and later, exactly once', async () => {
    const id = `msg_dup_${Date.now()}`;
    const at = new Date();
    const body = JSON.stringify({ type: 'balance.changed', timestamp: at.toISOString(), data: { externalRef: 'fan-0', points: 4321 } });
    const deliver = () =>
      fetch(`${platform.urlOf('partner-sync')}/webhooks/partners/${partnerId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(inbound).sign(id, at, body) },
        body,
      }).then((r) => r.status);
    const statuses = [...(await Promise.all(Array.from({ length: 8 }, deliver))), await deliver(), await deliver()];
    expect(statuses.filter((s) => s === 204)).toHaveLength(1);
    expect(statuses.filter((s) => s !== 204).every((s) => s === 409)).toBe(true);
    const applied = await platform.sql<{ n: number }>('partner-sync', `SELECT count(*)::int AS n FROM inbound_webhooks WHERE webhook_id = $1`, [id]);
    expect(applied[0]!.n).toBe(1);
    const [balance] = await platform.sql<{ points: number }>('partner-sync', `SELECT points FROM balances WHERE tenant_id = $1 AND contact_id = 'fan-0'`, [tenant]);
    expect(balance!.points).toBe(4321);
    await expectSettledInvariants(platform);
  }, 60_000);
});
