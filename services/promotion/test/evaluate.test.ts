import * as c from '@tlp/contracts';
import { testContext } from '@tlp/testkit';
import { command, line, liveAdvantage, startPromotion, T0, type Harness } from './fixtures';

const TENANT = 'eval-venue';
const ctx = () => testContext(TENANT);
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion evaluate');
});
afterAll(() => h.stop());

const evaluate = (cart: Record<string, unknown>) => h.bus.request(c.evaluateCart, ctx(), { cart: { channel: 'web', ...cart } as c.RequestOf<typeof c.evaluateCart>['cart'] });

describe('target types through carts.evaluate', () => {
  it('contacts: the imported target list decides, and changing it changes who benefits', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'contacts' }, prices: [{ productId: 'camp', priceMinor: 5000, currency: 'EUR' }] });
    const cart = (contactId: string) => ({ contact: { contactId }, lines: [line({ productId: 'camp' })] });
    expect(await h.bus.request(c.changeTargetList, ctx(), { advantageId: adv.advantageId, mode: 'replace', contactIds: ['a', 'b', 'b'] })).toEqual({
      advantageId: adv.advantageId,
      contacts: 2,
    });
    expect((await evaluate(cart('a'))).totalMinor).toBe(5000);
    expect((await evaluate(cart('z'))).notApplied).toEqual([{ kind: 'advantage', ref: adv.advantageId, lineId: 'l1', reason: 'not-in-target-list' }]);
    await h.bus.request(c.changeTargetList, ctx(), { advantageId: adv.advantageId, mode: 'remove', contactIds: ['a'] });
    await h.bus.request(c.changeTargetList, ctx(), { advantageId: adv.advantageId, mode: 'add', contactIds: ['z'] });
    expect((await evaluate(cart('a'))).totalMinor).toBe(8000);
    expect((await evaluate(cart('z'))).totalMinor).toBe(5000);
    const publicAdv = await liveAdvantage(h.bus, TENANT, { prices: [{ productId: 'nolist', priceMinor: 5000, currency: 'EUR' }] });
    await expect(h.bus.request(c.changeTargetList, ctx(), { advantageId: publicAdv.advantageId, mode: 'add', contactIds: ['a'] })).rejects.toMatchObject({
      code: 'PROMOTION_NOT_CONTACTS_TARGET',
    });
  });

  it('partner: the shared access code unlocks it for anyone who types it', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'partner', accessCode: 'Rugby-Club' }, fundedBy: 'partner', prices: [{ productId: 'part', priceMinor: 7000, currency: 'EUR' }] });
    expect((await evaluate({ lines: [line({ productId: 'part' })] })).notApplied[0]?.reason).toBe('access-code-required');
    const e = await evaluate({ lines: [line({ productId: 'part' })], codes: ['rugbyclub'] });
    expect(e.lines[0]?.reductions).toEqual([{ source: 'advantage', ref: adv.advantageId, amountMinor: 1000, fundedBy: 'partner' }]);
    await expect(liveAdvantage(h.bus, TENANT, { target: { type: 'partner', accessCode: 'RUGBYCLUB' } })).rejects.toMatchObject({ code: 'PROMOTION_CODE_TAKEN' });
  });

  it('indicator: a contact who reaches the level after the advantage went live benefits too', async () => {
    await liveAdvantage(h.bus, TENANT, { target: { type: 'indicator', indicator: 'attendance', level: 'regular' }, prices: [{ productId: 'ind', priceMinor: 6000, currency: 'EUR' }] });
    const cart = (level: string) => ({ contact: { contactId: 'fan', indicators: { attendance: level } }, lines: [line({ productId: 'ind' })] });
    expect((await evaluate(cart('occasional'))).totalMinor).toBe(8000);
    h.clock.advance(1000);
    expect((await evaluate(cart('regular'))).totalMinor).toBe(6000);
  });

  it('a draft or closed advantage does not apply, and states only move forward', async () => {
    const draft = await h.bus.request(c.createAdvantage, command(TENANT), {
      season: '2025-2026',
      family: 'event',
      names: { internal: { fr: 'Brouillon' }, public: { fr: 'Brouillon' } },
      target: { type: 'public' },
      prices: [{ productId: 'state', priceMinor: 1000, currency: 'EUR' }],
    });
    expect(draft.state).toBe('draft');
    expect((await evaluate({ lines: [line({ productId: 'state' })] })).totalMinor).toBe(8000);
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: draft.advantageId, to: 'in-operation' });
    expect((await evaluate({ lines: [line({ productId: 'state' })] })).totalMinor).toBe(1000);
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: draft.advantageId, to: 'closed' });
    expect((await evaluate({ lines: [line({ productId: 'state' })] })).totalMinor).toBe(8000);
    await expect(h.bus.request(c.transitionAdvantage, ctx(), { advantageId: draft.advantageId, to: 'in-operation' })).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_TRANSITION',
    });
  });
});

describe('windows on the service clock', () => {
  it('applies from validFrom to one second before validUntil, judged at the injected time', async () => {
    const from = new Date(h.clock.now.getTime() + 10_000);
    const until = new Date(from.getTime() + 60_000);
    await liveAdvantage(h.bus, TENANT, { validFrom: from.toISOString(), validUntil: until.toISOString(), prices: [{ productId: 'win', priceMinor: 1000, currency: 'EUR' }] });
    const at = async (t: Date) => {
      h.clock.now = t;
      return (await evaluate({ lines: [line({ productId: 'win' })] })).totalMinor;
    };
    expect(await at(new Date(from.getTime() - 1000))).toBe(8000);
    expect(await at(from)).toBe(1000);
    expect(await at(new Date(until.getTime() - 1000))).toBe(1000);
    expect(await at(until)).toBe(8000);
    h.clock.now = new Date(T0);
  });

  it("stops at the performance's end of sales for the hold as well as the quote", async () => {
    await liveAdvantage(h.bus, TENANT, { endOfSale: { rule: 'performance-end-of-sales' }, prices: [{ productId: 'eos', priceMinor: 1000, currency: 'EUR' }] });
    const salesEnd = new Date(h.clock.now.getTime() + 1000).toISOString();
    const cart = { channel: 'web', lines: [line({ productId: 'eos', performanceSalesEndAt: salesEnd })] };
    expect((await h.bus.request(c.placeHold, ctx(), { orderId: 'eos-1', cart })).totalMinor).toBe(1000);
    h.clock.advance(1000);
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'eos-2', cart, expectedTotalMinor: 1000 })).rejects.toMatchObject({ code: 'PROMOTION_PRICE_CHANGED' });
    h.clock.now = new Date(T0);
  });
});

describe('promo codes and funding', () => {
  it('stacks a cart-wide promo code on the advantage price and says who funds each reduction', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { fundedBy: 'organizer', prices: [{ productId: 'stack', priceMinor: 6000, currency: 'EUR' }] });
    const promo = await h.bus.request(c.createPromoCode, command(TENANT), {
      accessCode: 'COUPON3%',
      names: { internal: { fr: 'Coupon 3%' }, public: { fr: 'Coupon 3%' } },
      discount: { kind: 'percent', basisPoints: 300 },
      minCartAmount: { amountMinor: 10_000, currency: 'EUR' },
      fundedBy: 'promoter',
    });
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: promo.promoCodeId, to: 'in-operation' });
    const small = await evaluate({ lines: [line({ productId: 'stack' })], codes: ['coupon3%'] });
    expect(small.notApplied).toEqual([{ kind: 'promo-code', ref: promo.promoCodeId, lineId: null, reason: 'min-cart-not-reached' }]);
    const e = await evaluate({ lines: [line({ productId: 'stack', quantity: 2 }), line({ lineId: 'l2', productId: 'other', unitPriceMinor: 2550 })], codes: ['COUPON3%'] });
    expect(e.lines).toEqual([
      {
        lineId: 'l1',
        quantity: 2,
        unitPriceMinor: 8000,
        originalMinor: 16_000,
        priceMinor: 12_000 - 360,
        advantageId: adv.advantageId,
        advantageUnitPriceMinor: 6000,
        reductions: [
          { source: 'advantage', ref: adv.advantageId, amountMinor: 4000, fundedBy: 'organizer' },
          { source: 'promo-code', ref: promo.promoCodeId, amountMinor: 360, fundedBy: 'promoter' },
        ],
      },
      {
        lineId: 'l2',
        quantity: 1,
        unitPriceMinor: 2550,
        originalMinor: 2550,
        priceMinor: 2550 - 76,
        advantageId: null,
        advantageUnitPriceMinor: null,
        reductions: [{ source: 'promo-code', ref: promo.promoCodeId, amountMinor: 76, fundedBy: 'promoter' }],
      },
    ]);
    expect(e).toMatchObject({ currency: 'EUR', totalBeforeMinor: 18_550, totalMinor: 18_550 - 4000 - 436 });
    expect(e.promoCodes).toEqual([{ promoCodeId: promo.promoCodeId, accessCode: 'COUPON3%', amountMinor: 436, fundedBy: 'promoter' }]);
  });

  it('creating twice with the same idempotency key returns the first promo code', async () => {
    const cmd = command(TENANT);
    const input = {
      accessCode: 'TWICE',
      names: { internal: { fr: 'Deux' }, public: { fr: 'Deux' } },
      discount: { kind: 'fixed' as const, amount: { amountMinor: 500, currency: 'EUR' } },
    };
    const first = await h.bus.request(c.createPromoCode, cmd, input);
    expect(await h.bus.request(c.createPromoCode, cmd, input)).toEqual(first);
    await expect(h.bus.request(c.createPromoCode, command(TENANT), input)).rejects.toMatchObject({ code: 'PROMOTION_CODE_TAKEN' });
  });
});

describe('the cost of a quote', () => {
  it('makes no logger for an evaluation that logs nothing', async () => {
    await liveAdvantage(h.bus, TENANT, { prices: [{ productId: 'quiet', priceMinor: 1000, currency: 'EUR' }] });
    const child = jest.spyOn(h.service.deps.logger, 'child');
    try {
      expect((await evaluate({ lines: [line({ productId: 'quiet' })] })).totalMinor).toBe(1000);
      expect(child).not.toHaveBeenCalled();
    } finally {
      child.mockRestore();
    }
  });
});
