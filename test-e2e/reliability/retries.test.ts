import { eventually } from '@tlp/testkit';
import { Platform } from '../harness';
import { retrying, seedFans } from './checkouts';
import { expectSettledInvariants } from './invariants';

/**
 * Clients that retry every request: each mutation sent eight times with the same
 * Idempotency-Key, six at once then twice more after, gets the same answer every time and
 * has its effect once (codes generated, points held and captured, an order published and
 * earned, a refund credited, a hold released, a code used).
 */
const platform = new Platform({
  label: 'rel_retries',
  env: { gateway: { RATE_LIMIT_CLIENT_PER_MIN: '100000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000' } },
});
const tenant = 'theatre';
let admin: ReturnType<typeof retrying>;
let fan: ReturnType<typeof retrying>;
let advantageId = '';

beforeAll(async () => {
  await platform.start();
  await seedFans(platform, tenant, 1);
  admin = retrying(platform, await platform.token({ tenant, roles: ['admin'] }));
  fan = retrying(platform, await platform.token({ tenant, roles: ['fan'], contactId: 'fan-0' }));
  const advantage = await admin<{ advantageId: string }>(
    'POST',
    '/v1/advantages',
    {
      season: '2026',
      family: 'event',
      names: { internal: { en: 'Premiere codes' }, public: { en: 'Premiere codes' } },
      target: { type: 'single-use-codes' },
      prices: [{ productId: 'premiere', priceMinor: 2000, currency: 'EUR' }],
    },
    'advantage',
  );
  advantageId = advantage.body.advantageId;
  await admin('POST', `/v1/advantages/${advantageId}/transitions`, { to: 'in-operation' }, 'advantage-live');
}, 180_000);
afterAll(() => platform.stop(), 60_000);

/** Six copies at once, then two after: every copy must get the first one's answer. */
async function sentEightTimes<T>(client: ReturnType<typeof retrying>, method: string, path: string, body: unknown, key: string): Promise<{ status: number; body: T }> {
  const send = () => client<T>(method, path, body, key).then(({ status, body }) => ({ status, body }));
  const answers = [...(await Promise.all(Array.from({ length: 6 }, send))), await send(), await send()];
  for (const a of answers) expect(a).toEqual(answers[0]);
  return answers[0]!;
}

const cart = (orderId: string, codes: string[] = []) => ({
  orderId,
  channel: 'web',
  currency: 'EUR',
  lines: [{ lineId: 'l1', productId: 'premiere', productFamily: 'event', unitPriceMinor: 2500, quantity: 1 }],
  codes,
  pay: { points: { points: 100 } },
});
const count = async (service: string, query: string, params: unknown[]) => (await platform.sql<{ n: number }>(service, query, params))[0]!.n;

/** The codes of a batch, once generated. */
const codesOf = (batchId: string, expected: number) =>
  eventually(async () => {
    const r = await admin<{ codes: { code: string }[] }>('GET', `/v1/codes?batchId=${batchId}`, undefined, '');
    return r.body.codes?.length === expected ? r.body.codes.map((c) => c.code) : undefined;
  }, 30_000);

describe('a client retrying every request with the same Idempotency-Key', () => {
  it('generates one batch of codes', async () => {
    const batch = await sentEightTimes<{ batchId: string }>(admin, 'POST', '/v1/code-batches', { advantageId, contactId: 'fan-0', count: 5, note: 'sent eight times' }, 'batch-1');
    expect(batch.status).toBe(201);
    await codesOf(batch.body.batchId, 5);
    expect(await count('promotion', `SELECT count(*)::int AS n FROM code_batches WHERE note = $1`, ['sent eight times'])).toBe(1);
    expect(await count('promotion', `SELECT count(*)::int AS n FROM single_use_codes c JOIN code_batches b ON b.id = c.batch_id WHERE b.note = $1`, ['sent eight times'])).toBe(5);
    await expectSettledInvariants(platform);
  }, 90_000);

  it('holds, confirms and refunds an order once, and its code is used once', async () => {
    const batch = await admin<{ batchId: string }>('POST', '/v1/code-batches', { advantageId, contactId: 'fan-0', count: 1 }, 'batch-for-retry-1');
    const [code] = await codesOf(batch.body.batchId, 1);
    const held = await sentEightTimes<{ state: string }>(fan, 'POST', '/v1/checkout/holds', cart('retry-1', [code!]), 'hold-retry-1');
    expect(held).toMatchObject({ status: 201, body: { state: 'held' } });
    const confirmed = await sentEightTimes<{ state: string }>(fan, 'POST', '/v1/checkout/retry-1/confirmation', undefined, 'confirm-retry-1');
    expect(confirmed).toMatchObject({ status: 200, body: { state: 'confirmed' } });
    const refund = { refundId: 'refund-retry-1', lines: [{ lineId: 'l1', amountMinor: 500 }], split: { creditNote: 500 } };
    expect((await sentEightTimes(admin, 'POST', '/v1/checkout/retry-1/refunds', refund, 'refund-retry-1')).status).toBe(201);

    expect(await count('loyalty', `SELECT count(*)::int AS n FROM entries WHERE order_id = $1 AND kind = 'hold'`, ['retry-1'])).toBe(1);
    expect(await count('loyalty', `SELECT count(*)::int AS n FROM entries WHERE order_id = $1 AND kind = 'capture'`, ['retry-1'])).toBe(1);
    expect(await count('gateway', `SELECT count(*)::int AS n FROM outbox WHERE type = 'evt.order.completed' AND envelope->'data'->>'orderId' = $1`, ['retry-1'])).toBe(1);
    expect(await count('voucher', `SELECT count(*)::int AS n FROM ledger WHERE type = 'credit' AND order_id = $1`, ['retry-1'])).toBe(1);
    const creditNote = await admin<{ balanceMinor: number }>('GET', '/v1/contacts/fan-0/credit-notes/EUR', undefined, '');
    expect(creditNote.body.balanceMinor).toBe(500);
    await eventually(async () => ((await count('loyalty', `SELECT count(*)::int AS n FROM order_earnings WHERE order_id = $1`, ['retry-1'])) === 1 ? true : undefined), 30_000);

    const [used] = await platform.sql<{ state: string; order_id: string }>('promotion', `SELECT state, order_id FROM single_use_codes WHERE code = $1`, [code!]);
    expect(used).toEqual({ state: 'used', order_id: 'retry-1' });
    const again = await fan('POST', '/v1/checkout/holds', cart('retry-2', [code!]), 'hold-retry-2');
    expect(again).toMatchObject({ status: 409, body: { code: 'CHECKOUT_HOLD_FAILED', details: { code: 'PROMOTION_CODE_NOT_AVAILABLE' } } });
    await expectSettledInvariants(platform);
  }, 120_000);

  it('cancels an order once', async () => {
    expect((await sentEightTimes(fan, 'POST', '/v1/checkout/holds', cart('retry-3'), 'hold-retry-3')).status).toBe(201);
    const cancelled = await sentEightTimes<{ state: string }>(fan, 'POST', '/v1/checkout/retry-3/cancellation', undefined, 'cancel-retry-3');
    expect(cancelled).toMatchObject({ status: 200, body: { state: 'cancelled' } });
    expect(await count('loyalty', `SELECT count(*)::int AS n FROM entries WHERE order_id = $1 AND kind = 'hold'`, ['retry-3'])).toBe(1);
    expect(await count('loyalty', `SELECT count(*)::int AS n FROM entries WHERE order_id = $1 AND kind = 'release'`, ['retry-3'])).toBe(1);
    await expectSettledInvariants(platform);
  }, 90_000);
});
