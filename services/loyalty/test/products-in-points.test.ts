import {
  Bus,
  loyaltyAccountsAdjust,
  loyaltyAccountsFind,
  loyaltyAccountsHistory,
  loyaltyAccountsOpen,
  loyaltyCheckoutQuote,
  loyaltyPointsCapture,
  loyaltyPointsHold,
  loyaltyPointsRelease,
  loyaltyProgramsCreate,
  loyaltyProgramsSetActive,
  loyaltyProgramsUpdate,
} from '@tlp/contracts';
import { startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { loyaltyService } from '../src/service';

/** Products bought with their price in points (seed 001), held, captured and released by order id. */
const iso = isolation('loyalty_products');
let i: Infra;
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const club = testContext('club');
let programId = '';

const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code ?? 'error');
/** The account as a fan sees it, and how many ledger entries it has: a refusal must leave both alone. */
async function standing(contactId: string) {
  const account = await bus.request(loyaltyAccountsFind, club, { contactId });
  const { entries } = await bus.request(loyaltyAccountsHistory, club, { accountId: account.accountId });
  return { balance: account.balance, held: account.held, entries: entries.length };
}
async function fan(contactId: string, points: number) {
  const account = await bus.request(loyaltyAccountsOpen, club, { contactId });
  await bus.request(loyaltyAccountsAdjust, club, { accountId: account.accountId, adjustmentId: `fund-${contactId}`, points, reason: 'test funds' });
}

beforeAll(async () => {
  i = await infra();
  svc = await startService(loyaltyService, serviceEnv(i, iso, { EXPIRY_JOB_EVERY_MS: '200' }));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  const program = await bus.request(loyaltyProgramsCreate, club, {
    name: 'Club points',
    unit: 'points',
    wording: { en: 'Club points' },
    currency: 'EUR',
    // A point is worth 0.01: 700 points paying part of an order are worth 7.00.
    valueNumerator: 1,
    valueDenominator: 1,
    productPrices: [
      { productId: 'scarf', points: 1500 },
      { productId: 'programme', points: 200 },
    ],
  });
  programId = program.programId;
  await bus.request(loyaltyProgramsSetActive, club, { programId, active: true });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(i, iso);
});

describe('products bought with points', () => {
  it("prices the lines bought in points at the program's price times the quantity, and refuses a product it does not price", async () => {
    const lines = [
      { lineId: 's', productId: 'scarf', productFamily: 'service' as const, quantity: 1, priceMinor: 2500, payInPoints: true },
      { lineId: 'p', productId: 'programme', productFamily: 'service' as const, quantity: 3, priceMinor: 1200, payInPoints: true },
      { lineId: 't', productId: 'match', productFamily: 'event' as const, quantity: 1, priceMinor: 4000 },
    ];
    const quote = await bus.request(loyaltyCheckoutQuote, club, { contactId: 'fan-quote', channel: 'web', currency: 'EUR', lines, pointsToUse: 0 });
    expect(quote.pointsPriced).toEqual([
      { lineId: 's', points: 1500 },
      { lineId: 'p', points: 600 },
    ]);
    const unpriced = bus.request(loyaltyCheckoutQuote, club, { contactId: 'fan-quote', channel: 'web', currency: 'EUR', lines: [{ ...lines[2]!, payInPoints: true }], pointsToUse: 0 });
    await expect(unpriced).rejects.toMatchObject({ code: 'PRODUCT_NOT_PRICED_IN_POINTS', details: { productId: 'match' } });
  });

  it('holds the products at their points price with the points paying part of the order, as one hold keyed by the order', async () => {
    await fan('fan-buy', 5000);
    const ask = { orderId: 'o-buy', contactId: 'fan-buy', points: 700, products: [{ productId: 'scarf', quantity: 2 }, { productId: 'programme', quantity: 1 }] };
    const held = await bus.request(loyaltyPointsHold, club, ask);
    expect(held).toMatchObject({
      points: 700 + 2 * 1500 + 200,
      products: [
        { productId: 'scarf', quantity: 2, points: 3000 },
        { productId: 'programme', quantity: 1, points: 200 },
      ],
      state: 'held',
    });
    expect(await standing('fan-buy')).toMatchObject({ balance: 1100, held: 3900 });

    // A repeat of the order returns the first hold, even after the price changed in between.
    await bus.request(loyaltyProgramsUpdate, club, { programId, productPrices: [{ productId: 'scarf', points: 1800 }, { productId: 'programme', points: 200 }] });
    expect(await bus.request(loyaltyPointsHold, club, ask)).toEqual(held);
    expect(await refusal(bus.request(loyaltyPointsHold, club, { ...ask, products: [{ productId: 'scarf', quantity: 1 }] }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await refusal(bus.request(loyaltyPointsHold, club, { ...ask, points: 701 }))).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await standing('fan-buy')).toMatchObject({ balance: 1100, held: 3900 });

    expect((await bus.request(loyaltyPointsCapture, club, { orderId: 'o-buy' })).state).toBe('captured');
    expect((await bus.request(loyaltyPointsCapture, club, { orderId: 'o-buy' })).state).toBe('captured');
    expect(await standing('fan-buy')).toMatchObject({ balance: 1100, held: 0 });
    await bus.request(loyaltyProgramsUpdate, club, { programId, productPrices: [{ productId: 'scarf', points: 1500 }, { productId: 'programme', points: 200 }] });
  });

  it('gives the points of a product hold back when the order is released or nobody confirms it', async () => {
    await fan('fan-back', 2000);
    await bus.request(loyaltyPointsHold, club, { orderId: 'o-back', contactId: 'fan-back', products: [{ productId: 'scarf', quantity: 1 }] });
    expect(await standing('fan-back')).toMatchObject({ balance: 500, held: 1500 });
    expect((await bus.request(loyaltyPointsRelease, club, { orderId: 'o-back' }))?.state).toBe('released');
    expect(await standing('fan-back')).toMatchObject({ balance: 2000, held: 0 });

    await bus.request(loyaltyPointsHold, club, { orderId: 'o-late', contactId: 'fan-back', products: [{ productId: 'scarf', quantity: 1 }], ttlSeconds: 1 });
    await eventually(async () => ((await standing('fan-back')).balance === 2000 ? true : undefined), 10_000);
    expect(await refusal(bus.request(loyaltyPointsCapture, club, { orderId: 'o-late' }))).toBe('POINTS_HOLD_CLOSED');
    expect((await standing('fan-back')).held).toBe(0);
  });

  it('refuses a product without a points price, or beyond the balance, with a typed error and changes nothing', async () => {
    await fan('fan-short', 1600);
    const before = await standing('fan-short');
    const hold = (orderId: string, products: { productId: string; quantity: number }[], points = 0) =>
      refusal(bus.request(loyaltyPointsHold, club, { orderId, contactId: 'fan-short', points, products }));
    expect(await hold('o-unpriced', [{ productId: 'scarf', quantity: 1 }, { productId: 'match', quantity: 1 }])).toBe('PRODUCT_NOT_PRICED_IN_POINTS');
    // 1,500 for the scarf and 200 for the programme: 100 more than the account has.
    expect(await hold('o-short', [{ productId: 'scarf', quantity: 1 }, { productId: 'programme', quantity: 1 }])).toBe('INSUFFICIENT_POINTS');
    expect(await hold('o-short-part', [{ productId: 'scarf', quantity: 1 }], 101)).toBe('INSUFFICIENT_POINTS');
    expect(await hold('o-nothing', [])).toBe('VALIDATION_FAILED');
    expect(await standing('fan-short')).toEqual(before);
    // Nothing was kept of the refused orders: each may still hold what the account can pay.
    expect(await hold('o-short', [{ productId: 'scarf', quantity: 1 }])).toBe('accepted');
    expect(await standing('fan-short')).toMatchObject({ balance: 100, held: 1500 });
    // A fan with no account yet is not given one by a refused purchase.
    expect(await refusal(bus.request(loyaltyPointsHold, club, { orderId: 'o-new', contactId: 'fan-new', products: [{ productId: 'programme', quantity: 1 }] }))).toBe(
      'INSUFFICIENT_POINTS',
    );
    expect(await refusal(bus.request(loyaltyAccountsFind, club, { contactId: 'fan-new' }))).toBe('ACCOUNT_NOT_FOUND');
  });
});
