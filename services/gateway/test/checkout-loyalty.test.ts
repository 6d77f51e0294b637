import { loyaltyCheckoutQuote, loyaltyPointsHold, loyaltyPointsRelease, type Evaluation, type LoyaltyAccount, type RequestContract } from '@tlp/contracts';
import type { Backends } from '../src/backends';
import { CheckoutCart, type Quote } from '../src/checkout/cart';
import { loyaltyCheckout } from '../src/checkout/loyalty';
import type { SagaRecord } from '../src/checkout/saga';

const ctx = { tenantId: 'acme', requestId: 'r1' };
const programId = '0190aaaa-0000-7000-8000-000000000001';
const cart = CheckoutCart.parse({
  channel: 'web',
  currency: 'EUR',
  lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1, unitPriceMinor: 2000 }],
  pay: { points: { points: 2, programId } },
});
const evaluation = { currency: 'EUR', lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 2000, originalMinor: 2000, priceMinor: 2000, reductions: [] }] } as unknown as Evaluation;

/** Loyalty's part of a checkout over backends that answer `replies` by subject, recording the subjects asked. */
function withLoyalty(replies: Record<string, unknown>) {
  const asked: string[] = [];
  const backends = {
    call: async (contract: RequestContract) => {
      asked.push(contract.subject);
      return replies[contract.subject];
    },
  } as unknown as Backends;
  return { loyalty: loyaltyCheckout(backends), asked };
}

describe("loyalty's part of a checkout", () => {
  it("says the balance in the program's words when points are short: 1 star, not 1 points", async () => {
    const account = { balance: 1, balanceValue: { amountMinor: 1, currency: 'EUR' }, wording: { en: { one: 'star', other: 'stars' } } } as Partial<LoyaltyAccount>;
    const { loyalty } = withLoyalty({
      [loyaltyCheckoutQuote.subject]: { account, rewards: [], pointsValue: { amountMinor: 2, currency: 'EUR' }, pointsPriced: [], pointsEarnable: 0 },
    });
    await expect(loyalty.quote(ctx, cart, 'fan-1', evaluation)).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS', message: 'The account has 1 star, 2 asked' });
    // With no account there are no words either: plain points, in the right number.
    const { loyalty: noAccount } = withLoyalty({
      [loyaltyCheckoutQuote.subject]: { account: null, rewards: [], pointsValue: { amountMinor: 2, currency: 'EUR' }, pointsPriced: [], pointsEarnable: 0 },
    });
    await expect(noAccount.quote(ctx, cart, 'fan-1', evaluation)).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS', message: 'The account has 0 points, 2 asked' });
  });

  it('refuses a hold whose products now take other points than quoted, counting them in the singular or the plural, and releases it', async () => {
    const { loyalty, asked } = withLoyalty({ [loyaltyPointsHold.subject]: { points: 2 }, [loyaltyPointsRelease.subject]: {} });
    const saga = {
      orderId: 'o-1',
      contactId: 'fan-1',
      cart: { ...cart, pay: { ...cart.pay, points: undefined } },
      priced: { rewards: [], payments: [{ method: 'points', amountMinor: 2000, points: 1, ref: 'l1' }] },
    } as unknown as SagaRecord<CheckoutCart, Quote>;
    const [points] = loyalty.steps(ctx, saga);
    await expect(points!.hold()).rejects.toMatchObject({ code: 'POINTS_PRICE_CHANGED', message: 'The quote took 1 point, the products now take 2' });
    expect(asked).toEqual([loyaltyPointsHold.subject, loyaltyPointsRelease.subject]);
  });
});
