import { balancesOfContact, creditNotesBalance, DomainError, evaluateCart, partnersList, type RequestContract } from '@tlp/contracts';
import { createLogger } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { Backends } from '../src/backends';
import { CheckoutCart } from '../src/checkout/cart';
import { Checkout, type LoyaltyCheckout } from '../src/checkout/checkout';

const ctx = { tenantId: 'acme', requestId: 'r1', actor: { sub: 'fan-1', roles: ['fan' as const], contactId: 'fan-1' } };
const cart = CheckoutCart.parse({
  channel: 'web',
  currency: 'EUR',
  lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1, unitPriceMinor: 2000 }],
});
const evaluation = { currency: 'EUR', totalMinor: 2000, notApplied: [], lines: [{ lineId: 'l1', quantity: 1, unitPriceMinor: 2000, originalMinor: 2000, priceMinor: 2000, reductions: [] }] };
const loyalty = {
  quote: async () => ({ rewardReductions: [], rewards: [], balance: null, payments: [], pointsEarnable: 0 }),
  steps: () => [],
} as unknown as LoyaltyCheckout;
const partner = { partnerId: '0190aaaa-0000-7000-8000-0000000000a1', active: true };
const balance = { partnerId: partner.partnerId, points: 500, value: { amountMinor: 500, currency: 'EUR' }, stale: false };

/** A checkout over backends answering by subject from `replies` (a function may throw), recording what was asked and in whose name. */
function checkoutOver(replies: Record<string, unknown>, partnersKeptMs = 60_000) {
  const asked: { subject: string; actor: unknown }[] = [];
  const backends = {
    call: async (contract: RequestContract, c: { tenantId: string; actor?: unknown }) => {
      asked.push({ subject: contract.subject, actor: c.actor });
      const reply = replies[contract.subject];
      return typeof reply === 'function' ? (reply as (c: { tenantId: string }) => unknown)(c) : reply;
    },
  } as unknown as Backends;
  const checkout = new Checkout(backends, {} as DataSource, loyalty, createLogger('test', 'silent'), partnersKeptMs);
  const subjectsAsked = () => asked.map((a) => a.subject);
  return { checkout, asked, subjectsAsked };
}

const common = { [evaluateCart.subject]: evaluation, [creditNotesBalance.subject]: { balanceMinor: 0 } };

describe('partner points in the quote', () => {
  it('does not ask partner-sync for balances in a tenant with no active partner, and asks whether it has one once while the answer is kept', async () => {
    const { checkout, subjectsAsked, asked } = checkoutOver({ ...common, [partnersList.subject]: { partners: [{ ...partner, active: false }] } });
    for (let n = 0; n < 3; n++) {
      const quote = await checkout.quote(ctx, cart, 'fan-1');
      expect(quote.balances).toMatchObject({ partners: [], partnersUnavailable: [] });
    }
    expect(subjectsAsked().filter((s) => s === partnersList.subject)).toHaveLength(1);
    expect(subjectsAsked()).not.toContain(balancesOfContact.subject);
    // The gateway asks in its own name: the fan's token does not reach the back-office list.
    expect(asked.find((a) => a.subject === partnersList.subject)?.actor).toBeUndefined();
  });

  it('shows the balances in a tenant with an active partner, and a partner activated once the kept answer runs out', async () => {
    let partners = [{ ...partner, active: false }];
    const { checkout, subjectsAsked } = checkoutOver({ ...common, [partnersList.subject]: () => ({ partners }), [balancesOfContact.subject]: { balances: [balance], unavailable: [] } }, 50);
    expect((await checkout.quote(ctx, cart, 'fan-1')).balances.partners).toEqual([]);
    partners = [{ ...partner, active: true }];
    await new Promise((r) => setTimeout(r, 60));
    expect((await checkout.quote(ctx, cart, 'fan-1')).balances.partners).toEqual([{ partnerId: partner.partnerId, points: 500, valueMinor: 500, stale: false }]);
    expect(subjectsAsked().filter((s) => s === balancesOfContact.subject)).toHaveLength(1);
  });

  it('keeps whether a tenant has a partner per tenant: a tenant without one does not take the answer of a tenant with one', async () => {
    const { checkout, subjectsAsked } = checkoutOver({
      ...common,
      [partnersList.subject]: (c: { tenantId: string }) => ({ partners: [{ ...partner, active: c.tenantId === 'acme' }] }),
      [balancesOfContact.subject]: { balances: [balance], unavailable: [] },
    });
    expect((await checkout.quote(ctx, cart, 'fan-1')).balances.partners).toHaveLength(1);
    expect((await checkout.quote({ ...ctx, tenantId: 'other' }, cart, 'fan-1')).balances.partners).toEqual([]);
    expect(subjectsAsked().filter((s) => s === partnersList.subject)).toHaveLength(2);
    expect(subjectsAsked().filter((s) => s === balancesOfContact.subject)).toHaveLength(1);
  });

  it('asks for the balances anyway when partner-sync cannot say whether the tenant has a partner', async () => {
    const { checkout } = checkoutOver({
      ...common,
      [partnersList.subject]: () => {
        throw new DomainError('TIMEOUT', 'partner-sync did not answer');
      },
      [balancesOfContact.subject]: { balances: [balance], unavailable: [] },
    });
    expect((await checkout.quote(ctx, cart, 'fan-1')).balances.partners).toEqual([{ partnerId: partner.partnerId, points: 500, valueMinor: 500, stale: false }]);
  });
});
