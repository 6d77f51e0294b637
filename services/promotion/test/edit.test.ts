import * as c from '@tlp/contracts';
import { testContext } from '@tlp/testkit';
import { command, line, liveAdvantage, startPromotion, type Harness } from './fixtures';

const A = 'tenant-edit';
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion edit');
});
afterAll(() => h.stop());

const ctx = () => testContext(A);
const fails = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);
const names = (text: string) => ({ internal: { fr: text }, public: { fr: text } });

describe('editing advantages', () => {
  it('changes a draft in every respect, and the change prices carts once it is in operation', async () => {
    const draft = await h.bus.request(c.createAdvantage, command(A), {
      season: '2025-2026',
      family: 'event',
      names: names('Brouillon'),
      target: { type: 'public' },
      prices: [{ productId: 'concert', priceMinor: 6000, currency: 'EUR' }],
    });
    const edited = await h.bus.request(c.updateAdvantage, ctx(), {
      advantageId: draft.advantageId,
      season: '2026-2027',
      family: 'package',
      names: names('Offre revue'),
      target: { type: 'indicator', indicator: 'fidelite', level: 'or' },
      quota: 50,
      fundedBy: 'promoter',
      prices: [{ productId: 'concert', priceMinor: 5500, currency: 'EUR' }],
    });
    expect(edited).toMatchObject({ season: '2026-2027', family: 'package', quota: 50, fundedBy: 'promoter', target: { type: 'indicator' }, state: 'draft' });
    const back = await h.bus.request(c.updateAdvantage, ctx(), { advantageId: draft.advantageId, target: { type: 'public' }, family: 'event' });
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: back.advantageId, to: 'in-operation' });
    const quote = await h.bus.request(c.evaluateCart, ctx(), { cart: { channel: 'web', lines: [line()], codes: [] } });
    expect(quote.lines[0]!.priceMinor).toBe(5500);
  });

  it('lets an advantage in operation change names, window end, prices and quota, but not what sales already rest on', async () => {
    const live = await liveAdvantage(h.bus, A, { quota: 5, prices: [{ productId: 'other', priceMinor: 3000, currency: 'EUR' }] });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'edit-hold', cart: { channel: 'web', lines: [line({ productId: 'other', quantity: 3 })], codes: [] } });
    const renamed = await h.bus.request(c.updateAdvantage, ctx(), {
      advantageId: live.advantageId,
      names: names('Nouveau nom'),
      validUntil: '2027-06-30T22:00:00.000Z',
      quota: 4,
      prices: [{ productId: 'other', priceMinor: 2800, currency: 'EUR' }],
    });
    expect(renamed).toMatchObject({ quota: 4, quotaTaken: 3, validUntil: '2027-06-30T22:00:00.000Z' });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, quota: 2 }))).toBe('PROMOTION_QUOTA_BELOW_TAKEN');
    for (const change of [{ season: '2030' }, { fundedBy: 'partner' as const }, { target: { type: 'contacts' as const } }, { validFrom: '2026-01-01T00:00:00.000Z' }]) {
      expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, ...change }))).toBe('PROMOTION_FIELD_LOCKED');
    }
    // Asking for what it already is changes nothing and is not refused.
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, season: live.season, target: live.target, names: renamed.names }))).toBe('ok');
    const after = await h.bus.request(c.getAdvantage, ctx(), { advantageId: live.advantageId });
    expect(after).toMatchObject({ season: live.season, fundedBy: live.fundedBy, quota: 4, names: names('Nouveau nom') });
  });

  it('accepts a repeated edit of an advantage in operation: sending what it already is changes nothing', async () => {
    const live = await liveAdvantage(h.bus, A, { target: { type: 'indicator', indicator: 'fidelite', level: 'or' }, fundedBy: 'promoter' });
    const again = { advantageId: live.advantageId, target: { type: 'indicator' as const, indicator: 'fidelite', level: 'or' }, validFrom: null, season: live.season };
    expect(await h.bus.request(c.updateAdvantage, ctx(), again)).toEqual(live);
    expect(await h.bus.request(c.updateAdvantage, ctx(), again)).toEqual(live);
  });

  it('refuses to change a closed advantage, a window out of order, and an unknown one', async () => {
    const live = await liveAdvantage(h.bus, A);
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, validUntil: '2000-01-01T00:00:00.000Z', validFrom: null }))).toBe('ok');
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: live.advantageId, to: 'closed' });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, names: names('Trop tard') }))).toBe('PROMOTION_ADVANTAGE_CLOSED');
    const draft = await h.bus.request(c.createAdvantage, command(A), {
      season: '2025-2026',
      family: 'event',
      names: names('Fenêtre'),
      target: { type: 'public' },
      validFrom: '2026-05-01T00:00:00.000Z',
      prices: [{ productId: 'concert', priceMinor: 6000, currency: 'EUR' }],
    });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: draft.advantageId, validUntil: '2026-04-01T00:00:00.000Z' }))).toBe('VALIDATION_FAILED');
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: '0190aaaa-0000-7000-8000-000000000009', names: names('x') }))).toBe('NOT_FOUND');
  });
});

describe('editing promo codes', () => {
  const promo = (accessCode: string) =>
    h.bus.request(c.createPromoCode, command(A), { accessCode, names: names(accessCode), discount: { kind: 'percent', basisPoints: 1000 }, maxUses: 5 });
  const withCode = (code: string) => ({ channel: 'web', lines: [line({ productId: 'promo-edit' })], codes: [code] });

  it('changes a draft in every respect, its access code included, and frees the old code', async () => {
    const draft = await promo('DRAFT-ONE');
    const edited = await h.bus.request(c.updatePromoCode, ctx(), {
      promoCodeId: draft.promoCodeId,
      accessCode: 'draft two',
      discount: { kind: 'fixed', amount: { amountMinor: 700, currency: 'EUR' } },
      minCartAmount: { amountMinor: 5000, currency: 'EUR' },
      fundedBy: 'partner',
    });
    expect(edited).toMatchObject({ accessCode: 'DRAFTTWO', discount: { kind: 'fixed' }, fundedBy: 'partner', state: 'draft' });
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: draft.promoCodeId, to: 'in-operation' });
    const quote = await h.bus.request(c.evaluateCart, ctx(), { cart: withCode('DRAFTTWO') });
    expect(quote.totalMinor).toBe(8000 - 700);
    await expect(h.bus.request(c.evaluateCart, ctx(), { cart: withCode('DRAFT-ONE') })).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
    // The old words are free for another promo code; the new ones are not.
    expect((await promo('DRAFT-ONE')).accessCode).toBe('DRAFTONE');
    const other = await promo('DRAFT-THREE');
    expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: other.promoCodeId, accessCode: 'DRAFTTWO' }))).toBe('PROMOTION_CODE_TAKEN');
  });

  it('in operation: names, window end and maximum uses change, never below the uses taken; the terms customers have stay', async () => {
    const live = await promo('LIVE-PROMO');
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: live.promoCodeId, to: 'in-operation' });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'promo-edit-1', cart: withCode('LIVE-PROMO') });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'promo-edit-2', cart: withCode('LIVE-PROMO'), ttlSeconds: 60 });
    expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: live.promoCodeId, maxUses: 1 }))).toBe('PROMOTION_QUOTA_BELOW_TAKEN');
    for (const change of [
      { accessCode: 'RENAMED' },
      { discount: { kind: 'percent' as const, basisPoints: 5000 } },
      { minCartAmount: { amountMinor: 1, currency: 'EUR' } },
      { indicator: { indicator: 'fidelite', level: 'or' } },
      { fundedBy: 'promoter' as const },
      { validFrom: '2026-01-01T00:00:00.000Z' },
    ]) {
      expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: live.promoCodeId, ...change }))).toBe('PROMOTION_FIELD_LOCKED');
    }
    // The second checkout's use stops counting once its hold has expired.
    h.clock.advance(61_000);
    const edited = await h.bus.request(c.updatePromoCode, ctx(), {
      promoCodeId: live.promoCodeId,
      names: names('Promo renommée'),
      maxUses: 1,
      validUntil: '2026-12-31T23:00:00Z',
      discount: live.discount,
      accessCode: 'live-promo',
    });
    expect(edited).toMatchObject({ maxUses: 1, usesTaken: 1, validUntil: '2026-12-31T23:00:00.000Z', names: names('Promo renommée'), discount: live.discount });
    // A repeat of the same edit is accepted and changes nothing.
    expect(await h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: live.promoCodeId, names: names('Promo renommée'), maxUses: 1 })).toEqual(edited);
    expect(await fails(h.bus.request(c.placeHold, ctx(), { orderId: 'promo-edit-3', cart: withCode('LIVE-PROMO') }))).toBe('PROMOTION_CODE_NOT_AVAILABLE');
  });

  it('refuses to change a closed promo code, a window out of order, and an unknown one', async () => {
    const p = await promo('CLOSED-PROMO');
    expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: p.promoCodeId, validFrom: '2026-05-01T00:00:00Z', validUntil: '2026-04-01T00:00:00Z' }))).toBe(
      'VALIDATION_FAILED',
    );
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: p.promoCodeId, to: 'in-operation' });
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: p.promoCodeId, to: 'closed' });
    expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: p.promoCodeId, names: names('Trop tard') }))).toBe('PROMOTION_ADVANTAGE_CLOSED');
    expect(await fails(h.bus.request(c.updatePromoCode, ctx(), { promoCodeId: '0190aaaa-0000-7000-8000-000000000009', maxUses: 3 }))).toBe('NOT_FOUND');
    expect(await h.bus.request(c.getPromoCode, ctx(), { promoCodeId: p.promoCodeId })).toMatchObject({ names: names('CLOSED-PROMO'), validFrom: null });
  });
});
