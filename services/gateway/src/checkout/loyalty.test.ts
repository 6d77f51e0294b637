import { DomainError, loyaltyPointsHold, loyaltyPointsRelease, type RequestContext, type RequestContract } from '@tlp/contracts';
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
