import { DomainError, loyaltyCheckoutQuote, loyaltyPointsHold, loyaltyPointsRelease, type PointsWording, type RequestContext, type RequestContract } from '@tlp/contracts';
import { Backends } from '../backends';
import { loyaltyCheckout } from './loyalty';

/** Loyalty as the gateway sees it over the bus: a hold priced at the program's current points price. */
class LoyaltyAnswering extends Backends {
  calls: string[] = [];
  constructor(private readonly heldPoints: number) {
    super(undefined as never, undefined as never, undefined as never);
  }
  override async call<C extends RequestContract>(contract: C, _ctx: RequestContext, _payload: never): Promise<never> {
    this.calls.push(contract.subject);
    if (contract.subject === loyaltyPointsHold.subject) return { orderId: 'o1', points: this.heldPoints } as never;
    if (contract.subject === loyaltyPointsRelease.subject) return {} as never;
    throw new Error(`unexpected ${contract.subject}`);
  }
}

const ctx: RequestContext = { tenantId: 'acme', requestId: 'r' };
const saga = {
  orderId: 'o1',
  contactId: 'fan-1',
  cart: { pay: { linesInPoints: ['s1'] }, lines: [{ lineId: 's1', productId: 'scarf', quantity: 1 }] },
  priced: { rewards: [], payments: [{ method: 'points', amountMinor: 2500, points: 1500, ref: 's1' }] },
} as never;

describe("the checkout's points step", () => {
  it('holds the points the quote priced', async () => {
    const loyalty = new LoyaltyAnswering(1500);
    const [step] = loyaltyCheckout(loyalty).steps(ctx, saga);
    await expect(step!.hold()).resolves.toMatchObject({ points: 1500 });
    expect(loyalty.calls).toEqual([loyaltyPointsHold.subject]);
  });

  it('gives the points back and refuses the order when a product changed its points price since the quote', async () => {
    const loyalty = new LoyaltyAnswering(1800);
    const [step] = loyaltyCheckout(loyalty).steps(ctx, saga);
    const refused = await step!.hold().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'POINTS_PRICE_CHANGED', details: { quotedPoints: 1500, points: 1800 } });
    expect(loyalty.calls).toEqual([loyaltyPointsHold.subject, loyaltyPointsRelease.subject]);
  });
});

/** Loyalty's quote for a fan with `balance` points in a program worded `wording`. */
class LoyaltyQuoting extends Backends {
  constructor(
    private readonly balance: number,
    private readonly wording: PointsWording,
  ) {
    super(undefined as never, undefined as never, undefined as never);
  }
  override async call<C extends RequestContract>(contract: C, _ctx: RequestContext, _payload: never): Promise<never> {
    if (contract.subject !== loyaltyCheckoutQuote.subject) throw new Error(`unexpected ${contract.subject}`);
    const account = { balance: this.balance, balanceValue: { amountMinor: this.balance, currency: 'EUR' }, wording: this.wording };
    return { account, rewards: [], pointsValue: { amountMinor: 0, currency: 'EUR' }, pointsPriced: [], pointsEarnable: 0 } as never;
  }
}

describe("the checkout quote's points balance", () => {
  const cart = { channel: 'web', currency: 'EUR', pay: { linesInPoints: [] }, lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1 }] } as never;
  const evaluation = { lines: [{ lineId: 'l1', quantity: 1, priceMinor: 1000 }] } as never;
  const balanceOf = async (balance: number, wording: PointsWording) => (await loyaltyCheckout(new LoyaltyQuoting(balance, wording)).quote(ctx, cart, 'fan-1', evaluation)).balance;

  it('names the points in the form the balance takes, in English when the program has it', async () => {
    const stars = { fr: { one: 'étoile', other: 'étoiles' }, en: { one: 'star', other: 'stars' } };
    expect(await balanceOf(1, stars)).toEqual({ points: 1, valueMinor: 1, wording: 'star' });
    expect(await balanceOf(250, stars)).toEqual({ points: 250, valueMinor: 250, wording: 'stars' });
    expect(await balanceOf(0, { fr: { one: 'étoile', other: 'étoiles' } })).toMatchObject({ wording: 'étoile' });
  });

  it('gives one word as the program words it, whatever the balance', async () => {
    expect(await balanceOf(1, { en: 'points' })).toMatchObject({ wording: 'points' });
  });
});
