import { Platform } from '../harness';

/**
 * The checkout across services, through HTTP only: advantages and promo codes from promotion,
 * a voucher and the credit note from voucher, held together, confirmed or released together.
 */
const platform = new Platform({ label: 'gw_checkout' });
const tenant = 'arena';
type Call = ReturnType<Platform['client']>;
let operator: Call;
let boxOffice: Call;
let fan: Call;
let otherFan: Call;
let otherTenant: Call;
let advantageId = '';

const line = (lineId: string, unitPriceMinor: number) => ({
  lineId,
  productId: 'concert-1',
  productFamily: 'event',
  season: '2026-2027',
  audienceSubcategory: 'adult',
  seatCategory: 'cat-1',
  unitPriceMinor,
  quantity: 1,
});

beforeAll(async () => {
  await platform.start();
  operator = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  boxOffice = platform.client(await platform.token({ tenant, roles: ['box-office'] }));
  fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-1' }));
  otherFan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-2' }));
  otherTenant = platform.client(await platform.token({ tenant: 'elsewhere', roles: ['admin'], contactId: 'fan-1' }));

  const advantage = await operator('POST', '/v1/advantages', {
    season: '2026-2027',
    family: 'event',
    names: { internal: { en: 'Opening night' }, public: { en: 'Opening night offer' } },
    target: { type: 'public' },
    quota: 100,
    fundedBy: 'promoter',
    prices: [{ productId: 'concert-1', audienceSubcategory: 'adult', seatCategory: 'cat-1', priceMinor: 6000, currency: 'EUR' }],
  });
  expect(advantage.status).toBe(201);
  advantageId = (advantage.body as { advantageId: string }).advantageId;
  expect((await operator('POST', `/v1/advantages/${advantageId}/transitions`, { to: 'in-operation' })).status).toBe(200);
  const promo = await operator('POST', '/v1/promo-codes', {
    accessCode: 'COUPON3',
    names: { internal: { fr: 'Coupon 3%' }, public: { fr: 'Coupon 3%' } },
    discount: { kind: 'percent', basisPoints: 300 },
  });
  expect(promo.status).toBe(201);
  const promoId = (promo.body as { promoCodeId: string }).promoCodeId;
  expect((await operator('POST', `/v1/promo-codes/${promoId}/transitions`, { to: 'in-operation' })).status).toBe(200);

  const program = await operator<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Arena stars',
    unit: 'points',
    wording: { en: 'stars' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
    tiers: [{ name: 'Gold', criterion: 'total-spending', threshold: 100_000 }],
  });
  expect(program.status).toBe(201);
  expect((await operator('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true })).status).toBe(200);
  const account = await boxOffice<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-1', phone: '+33600000001' });
  expect((await operator('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'welcome', points: 1000, reason: 'welcome gift' })).status).toBe(200);
}, 180_000);

afterAll(() => platform.stop(), 60_000);

async function sellVoucher(valueMinor: number): Promise<string> {
  const sold = await boxOffice('POST', '/v1/vouchers', {
    saleId: crypto.randomUUID(),
    currency: 'EUR',
    valueMinor,
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  });
  expect(sold.status).toBe(201);
  return (sold.body as { code: string }).code;
}

describe('checkout through the gateway', () => {
  it('prices two tickets with an advantage and a promo code, holds them with a voucher, confirms, and uses the voucher once', async () => {
    const code = await sellVoucher(5000);
    const cart = { channel: 'web', currency: 'EUR', lines: [line('l1', 8000), line('l2', 8000)], codes: ['coupon3'], pay: { vouchers: [{ code, amountMinor: 3000 }] } };
    const quote = await fan<{ totalMinor: number; amountDueMinor: number; lines: { priceMinor: number; reductions: { source: string; fundedBy: string }[] }[] }>(
      'POST',
      '/v1/checkout/quote',
      cart,
    );
    expect(quote.status).toBe(200);
    // 2 × 60.00 with the advantage, then 3 % off: 116.40; 30.00 paid by the voucher.
    expect(quote.body.totalMinor).toBe(11640);
    expect(quote.body.amountDueMinor).toBe(8640);
    expect(quote.body.lines[0]!.reductions.map((r) => [r.source, r.fundedBy])).toEqual([
      ['advantage', 'promoter'],
      ['promo-code', 'organizer'],
    ]);

    const held = await fan<{ state: string; steps: { step: string; state: string }[] }>('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-1' });
    expect(held.status).toBe(201);
    expect(held.body.state).toBe('held');
    expect(held.body.steps.map((s) => s.step)).toEqual(['promotion', 'voucher-1']);

    const key = crypto.randomUUID();
    const confirmed = await fan<{ state: string }>('POST', '/v1/checkout/order-1/confirmation', undefined, key);
    const again = await fan<{ state: string }>('POST', '/v1/checkout/order-1/confirmation', undefined, key);
    expect(confirmed.body.state).toBe('confirmed');
    expect(again.body).toEqual(confirmed.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');

    const balance = await fan<{ balanceMinor: number }>('POST', '/v1/voucher-balance', { code });
    expect(balance.body.balanceMinor).toBe(2000);
    const events = await platform.sql<{ n: number }>('gateway', `SELECT count(*)::int AS n FROM outbox WHERE type = 'evt.order.completed' AND envelope->'data'->>'orderId' = 'order-1'`);
    expect(events[0]!.n).toBe(1);
  });

  it('buys two tickets with an advantage, a promo code and 300 points, earns on what was paid outside points, and shows the new balance', async () => {
    const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-3' }));
    const account = await boxOffice<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-3' });
    await operator('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'gift-3', points: 1000, reason: 'welcome gift' });
    const cart = { channel: 'web', currency: 'EUR', lines: [line('p1', 8000), line('p2', 8000)], codes: ['COUPON3'], pay: { points: { points: 300 } } };
    const before = 1000;
    const quote = await fan<{ totalMinor: number; amountDueMinor: number; payments: unknown[]; balances: { points: { points: number; valueMinor: number; wording: string } }; pointsEarnable: number }>(
      'POST',
      '/v1/checkout/quote',
      cart,
    );
    expect(quote.status).toBe(200);
    expect(quote.body.totalMinor).toBe(11640);
    expect(quote.body.payments).toEqual([{ method: 'points', amountMinor: 300, points: 300 }]);
    expect(quote.body.amountDueMinor).toBe(11340);
    expect(quote.body.balances.points).toMatchObject({ points: before, valueMinor: before, wording: 'stars' });
    // 116.40 after reductions, 3.00 of it paid with points, which do not earn points again.
    expect(quote.body.pointsEarnable).toBe(113);

    const held = await fan<{ steps: { step: string }[] }>('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-points' });
    expect(held.body.steps.map((s) => s.step)).toEqual(['promotion', 'points']);
    expect((await fan<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account')).body).toMatchObject({ balance: before - 300, held: 300 });
    expect((await fan<{ state: string }>('POST', '/v1/checkout/order-points/confirmation')).body.state).toBe('confirmed');
    const deadline = Date.now() + 15_000;
    let balance = 0;
    while (Date.now() < deadline) {
      balance = (await fan<{ balance: number }>('GET', '/v1/me/loyalty-account')).body.balance;
      if (balance === before - 300 + 113) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(balance).toBe(before - 300 + 113);
    expect((await fan<{ held: number }>('GET', '/v1/me/loyalty-account')).body.held).toBe(0);
    const reductions = await operator<{ rows: { fundedBy: string; source: string; amountMinor: number }[] }>(
      'GET',
      `/v1/reductions?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}&fundedBy=promoter`,
    );
    expect(reductions.body.rows.every((r) => r.fundedBy === 'promoter' && r.source === 'advantage')).toBe(true);
    expect(reductions.body.rows.reduce((s, r) => s + r.amountMinor, 0)).toBeGreaterThanOrEqual(4000);
  });

  it('releases the points too when a later hold fails', async () => {
    const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-4' }));
    const account = await boxOffice<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-4' });
    await operator('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'gift-4', points: 500, reason: 'welcome gift' });
    const code = await sellVoucher(1000);
    const cart = { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], pay: { points: { points: 100 }, vouchers: [{ code, amountMinor: 1000 }] } };
    const before = 500;
    await boxOffice('POST', '/v1/checkout/holds', { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], pay: { vouchers: [{ code, amountMinor: 1000 }] }, orderId: 'order-steal' });
    const failed = await fan<{ details: { step: string; released: string[] } }>('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-points-2' });
    expect(failed.status).toBe(409);
    expect(failed.body.details).toMatchObject({ step: 'voucher-1', released: ['points', 'promotion'] });
    expect((await fan<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account')).body).toMatchObject({ balance: before, held: 0 });
  });

  it('releases everything held when a later hold fails, and names the failing step', async () => {
    const code = await sellVoucher(1000);
    const cart = { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], codes: ['COUPON3'], pay: { vouchers: [{ code, amountMinor: 1000 }] } };
    // Someone spends the voucher between the quote and the hold.
    expect((await fan('POST', '/v1/checkout/quote', cart)).status).toBe(200);
    const spent = await boxOffice('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-spend', codes: [] });
    expect(spent.status).toBe(201);
    const quotaTaken = async () => (await operator<{ quotaTaken: number }>('GET', `/v1/advantages/${advantageId}`)).body.quotaTaken;
    const takenBefore = await quotaTaken();
    const failed = await fan<{ code: string; details: { step: string; code: string; released: string[] } }>('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-2' });
    expect(failed.status).toBe(409);
    expect(failed.body.code).toBe('CHECKOUT_HOLD_FAILED');
    expect(failed.body.details).toMatchObject({ step: 'voucher-1', code: 'VOUCHER_INSUFFICIENT_BALANCE', released: ['promotion'] });
    expect(await quotaTaken()).toBe(takenBefore);
    const view = await fan<{ state: string; steps: { step: string; state: string }[] }>('GET', '/v1/checkout/order-2');
    expect(view.body.state).toBe('failed');
    expect(view.body.steps).toEqual([{ step: 'promotion', state: 'released' }]);
  });

  it('cancels an order and frees its quota and voucher money', async () => {
    const code = await sellVoucher(2000);
    const cart = { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], pay: { vouchers: [{ code, amountMinor: 2000 }] } };
    expect((await fan('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-3' })).status).toBe(201);
    expect((await fan<{ balanceMinor: number }>('POST', '/v1/voucher-balance', { code })).body.balanceMinor).toBe(0);
    const cancelled = await fan<{ state: string }>('POST', '/v1/checkout/order-3/cancellation');
    expect(cancelled.body.state).toBe('cancelled');
    expect((await fan<{ balanceMinor: number }>('POST', '/v1/voucher-balance', { code })).body.balanceMinor).toBe(2000);
  });

  it('refunds part of a confirmed order to the credit note once, which then pays another order', async () => {
    const cart = { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)] };
    await fan('POST', '/v1/checkout/holds', { ...cart, orderId: 'order-4' });
    expect((await fan<{ state: string }>('POST', '/v1/checkout/order-4/confirmation')).body.state).toBe('confirmed');
    const refund = { refundId: 'refund-4', lines: [{ lineId: 'l1', amountMinor: 6000 }], split: { creditNote: 6000 } };
    const first = await boxOffice('POST', '/v1/checkout/order-4/refunds', refund);
    const retried = await boxOffice('POST', '/v1/checkout/order-4/refunds', refund);
    expect(first.status).toBe(201);
    expect(retried.status).toBe(201);
    const note = await fan<{ balanceMinor: number }>('GET', '/v1/me/credit-notes/EUR');
    expect(note.body.balanceMinor).toBe(6000);
    expect((await boxOffice('POST', '/v1/checkout/order-4/refunds', { ...refund, refundId: 'refund-4b', lines: [{ lineId: 'l1', amountMinor: 1 }], split: { creditNote: 1 } })).body).toMatchObject({
      code: 'REFUND_EXCEEDS_PAID',
    });

    const paid = await fan<{ payments: { method: string; amountMinor: number }[]; amountDueMinor: number }>('POST', '/v1/checkout/quote', {
      ...cart,
      pay: { creditNoteMinor: 2500 },
    });
    expect(paid.body.payments).toEqual([{ method: 'credit-note', amountMinor: 2500 }]);
    expect(paid.body.amountDueMinor).toBe(3500);
  });

  it('gives back the reductions of refunded lines, in the refund event and in the commission report', async () => {
    const period = `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&until=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    type Report = { rows: { source: string; ref: string; amountMinor: number; refundedMinor: number }[] };
    const advantageRow = async () => (await operator<Report>('GET', `/v1/reductions?${period}&fundedBy=promoter`)).body.rows.find((r) => r.ref === advantageId)!;
    await fan('POST', '/v1/checkout/holds', { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], orderId: 'order-6' });
    expect((await fan<{ state: string }>('POST', '/v1/checkout/order-6/confirmation')).body.state).toBe('confirmed');
    const before = await advantageRow();

    // The line cost 60.00 after the promoter's 20.00 advantage: refunded in two parts, a quarter then the rest.
    for (const [refundId, amountMinor] of [['refund-6a', 1500], ['refund-6b', 4500]] as const) {
      expect((await boxOffice('POST', '/v1/checkout/order-6/refunds', { refundId, lines: [{ lineId: 'l1', amountMinor }], split: { original: amountMinor } })).status).toBe(201);
    }
    const events = await platform.sql<{ reductions: { source: string; fundedBy: string; amountMinor: number; lineId: string }[] }>(
      'gateway',
      `SELECT envelope->'data'->'reductions' AS reductions FROM outbox WHERE type = 'evt.order.refunded' AND envelope->'data'->>'orderId' = 'order-6' ORDER BY envelope->'data'->>'refundId'`,
    );
    expect(events.map((e) => e.reductions)).toEqual([
      [{ source: 'advantage', ref: advantageId, fundedBy: 'promoter', amountMinor: 500, lineId: 'l1' }],
      [{ source: 'advantage', ref: advantageId, fundedBy: 'promoter', amountMinor: 1500, lineId: 'l1' }],
    ]);
    const after = await advantageRow();
    expect(after.amountMinor).toBe(before.amountMinor - 2000);
    expect(after.refundedMinor).toBe(before.refundedMinor + 2000);
  });

  it('gives a one-time reward to one of two checkouts at once, and back when that one is cancelled', async () => {
    const reward = await operator<{ rewardId: string }>('POST', '/v1/rewards', {
      name: 'First match 5 off',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
      reward: { type: 'fixed', amountMinor: 500, currency: 'EUR' },
      validity: { kind: 'one-time' },
    });
    await operator('POST', `/v1/rewards/${reward.body.rewardId}/activation`, { active: true });
    const lone = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-once' }));
    const cart = { channel: 'web', currency: 'EUR', lines: [{ ...line('l1', 3000), productId: 'match-9' }] };
    const [a, b] = await Promise.all(['once-a', 'once-b'].map((orderId) => lone<{ state?: string; code?: string; details?: { step: string } }>('POST', '/v1/checkout/holds', { ...cart, orderId })));
    const results = [a!, b!].map((r) => (r.status === 201 ? 'held' : `${r.body.code}:${r.body.details?.step}`)).sort();
    expect(results).toEqual(['CHECKOUT_HOLD_FAILED:rewards', 'held']);
    const winner = a!.status === 201 ? 'once-a' : 'once-b';
    expect((await lone<{ state: string }>('POST', `/v1/checkout/${winner}/cancellation`)).body.state).toBe('cancelled');
    const again = await lone<{ state: string; quote: { rewards: { rewardId: string }[] } }>('POST', '/v1/checkout/holds', { ...cart, orderId: 'once-c' });
    expect(again.status).toBe(201);
    expect(again.body.quote.rewards.map((r) => r.rewardId)).toContain(reward.body.rewardId);
  });

  it("buys a product with its price in points, held and captured with the order's other holds", async () => {
    const { programs } = (await operator<{ programs: { programId: string }[] }>('GET', '/v1/loyalty-programs')).body;
    const programId = programs[0]!.programId;
    expect((await operator('PATCH', `/v1/loyalty-programs/${programId}`, { productPrices: [{ productId: 'scarf', points: 1500 }] })).status).toBe(200);
    const buyer = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-scarf' }));
    const account = await boxOffice<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-scarf' });
    await operator('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'scarf-gift', points: 2000, reason: 'gift' });
    const scarf = { lineId: 's1', productId: 'scarf', productFamily: 'service', unitPriceMinor: 2500, quantity: 1 };
    const cart = { channel: 'web', currency: 'EUR', lines: [scarf, { ...line('t1', 3000), productId: 'match-2' }], pay: { linesInPoints: ['s1'] } };

    const quote = await buyer<{ payments: unknown[]; amountDueMinor: number; totalMinor: number; lines: { lineId: string; priceMinor: number }[] }>('POST', '/v1/checkout/quote', cart);
    expect(quote.status).toBe(200);
    // The scarf's whole price, after any reward, is paid by its 1,500 points.
    const scarfPrice = quote.body.lines.find((l) => l.lineId === 's1')!.priceMinor;
    expect(quote.body.payments).toEqual([{ method: 'points', amountMinor: scarfPrice, points: 1500, ref: 's1' }]);
    expect(quote.body.amountDueMinor).toBe(quote.body.totalMinor - scarfPrice);
    const unpriced = await buyer<{ code: string }>('POST', '/v1/checkout/quote', { ...cart, pay: { linesInPoints: ['t1'] } });
    expect(unpriced.body.code).toBe('PRODUCT_NOT_PRICED_IN_POINTS');
    const notALine = await buyer<{ code: string }>('POST', '/v1/checkout/quote', { ...cart, pay: { linesInPoints: ['nope'] } });
    expect(notALine.status).toBe(400);

    expect((await buyer('POST', '/v1/checkout/holds', { ...cart, orderId: 'scarf-1' })).status).toBe(201);
    expect((await buyer<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account')).body).toMatchObject({ balance: 500, held: 1500 });
    // Loyalty priced the scarf itself: the hold names the product it buys.
    const [hold] = await platform.sql<{ products: unknown }>('loyalty', `SELECT products FROM holds WHERE order_id = 'scarf-1'`);
    expect(hold!.products).toEqual([{ productId: 'scarf', quantity: 1, points: 1500 }]);
    expect((await buyer<{ state: string }>('POST', '/v1/checkout/scarf-1/confirmation')).body.state).toBe('confirmed');
    const after = await buyer<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account');
    expect(after.body.held).toBe(0);
    expect(after.body.balance).toBeGreaterThanOrEqual(500);
    // A second scarf is beyond the 500 points left.
    const short = await buyer<{ code: string }>('POST', '/v1/checkout/quote', cart);
    expect(short.body.code).toBe('INSUFFICIENT_POINTS');
  });

  it('keeps orders to their tenant and their fan', async () => {
    await fan('POST', '/v1/checkout/holds', { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], orderId: 'order-5' });
    expect((await otherFan('GET', '/v1/checkout/order-5')).status).toBe(404);
    expect((await otherFan('POST', '/v1/checkout/order-5/confirmation')).status).toBe(404);
    expect((await otherTenant('GET', '/v1/checkout/order-5')).status).toBe(404);
    expect((await fan('POST', '/v1/checkout/quote', { channel: 'web', currency: 'EUR', contactId: 'fan-2', lines: [line('l1', 8000)] })).status).toBe(403);
  });

  it('answers quotes asked at once by several fans, with and without points or codes, in two tenants, as it answers them one by one', async () => {
    // Each ask has a client of its own: quotes count as code attempts, limited per client and minute.
    const as = async (n: number, tenantOf: string, contactId: string) => platform.client(await platform.token({ tenant: tenantOf, roles: ['fan'], contactId, sub: `at-once-${n}` }));
    const asks: [Call, Record<string, unknown>][] = [
      [await as(1, tenant, 'fan-1'), { channel: 'web', currency: 'EUR', lines: [line('q1', 8000)], codes: ['COUPON3'], pay: { points: { points: 100 } } }],
      [await as(2, tenant, 'fan-2'), { channel: 'web', currency: 'EUR', lines: [line('q1', 8000), line('q2', 5000)] }],
      [await as(3, tenant, 'fan-1'), { channel: 'web', currency: 'EUR', lines: [line('q1', 7000)] }],
      [await as(4, 'elsewhere', 'fan-1'), { channel: 'web', currency: 'EUR', lines: [line('q1', 8000)], codes: ['COUPON3'] }],
      [await as(5, tenant, 'fan-2'), { channel: 'web', currency: 'EUR', lines: [line('q1', 8000)], pay: { points: { points: 100 } } }],
    ];
    const oneByOne = [];
    for (const [who, cart] of asks) oneByOne.push(await who('POST', '/v1/checkout/quote', cart));
    // The answers differ from each other (points shown or not, the code known in one tenant only, a refusal).
    expect(new Set(oneByOne.map((r) => JSON.stringify([r.status, r.body]))).size).toBe(asks.length);
    for (let round = 0; round < 3; round++) {
      const atOnce = await Promise.all(asks.map(([who, cart]) => who('POST', '/v1/checkout/quote', cart)));
      expect(atOnce.map((r) => [r.status, r.body])).toEqual(oneByOne.map((r) => [r.status, r.body]));
    }
  });

  it('refuses payments larger than the total', async () => {
    const code = await sellVoucher(50000);
    const over = await fan('POST', '/v1/checkout/quote', { channel: 'web', currency: 'EUR', lines: [line('l1', 8000)], pay: { vouchers: [{ code, amountMinor: 9000 }] } });
    expect(over.body).toMatchObject({ code: 'PAYMENT_EXCEEDS_TOTAL' });
    expect(over.status).toBe(422);
  });
});
