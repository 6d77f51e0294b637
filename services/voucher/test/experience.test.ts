import { experienceRedeem, experienceSell, voucherOpenProductsSet, vouchersGet, vouchersHold, voucherSettingsSet, type RequestOf } from '@tlp/contracts';
import { randomUUID } from 'node:crypto';
import { ctxOf, inDays, outboxCount, refusal, sell, startHarness, type Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('voucher-experience');
});
afterAll(() => h.stop());

const grant = { productId: 'concert-opening-night', audienceSubcategory: 'adult', seatCategory: 'cat-1', quantity: 2 };
const sellExperience = (tenantId: string, over: Partial<RequestOf<typeof experienceSell>> = {}) =>
  h.bus.request(experienceSell, ctxOf(tenantId), {
    saleId: randomUUID(),
    currency: 'EUR',
    validUntil: inDays(365),
    priceMinor: 5_000,
    season: '2026-2027',
    vatCode: 'REDUCED',
    vatRateBp: 550,
    grant,
    ...over,
  });
const redeem = (tenantId: string, code: string, redemptionId = randomUUID()) => h.bus.request(experienceRedeem, ctxOf(tenantId), { code, redemptionId });
const lines = (ls: { phase: string; kind: string; ref: string; amountMinor: number }[]) => ls.map((l) => [l.phase, l.kind, l.ref, l.amountMinor]);

async function setUp(tenantId: string, vatTiming: 'at-sale' | 'at-redemption', withOpenProduct = true) {
  await h.bus.request(voucherSettingsSet, ctxOf(tenantId), { vatTiming });
  if (withOpenProduct) {
    await h.bus.request(voucherOpenProductsSet, ctxOf(tenantId), { season: '2026-2027', vatCode: 'REDUCED', vatRateBp: 550, openProductId: 'open-reduced-2627' });
  }
}

describe('experience vouchers', () => {
  it('with VAT at sale: taxes the sale, then redeems for the ticket through the open product, once', async () => {
    await setUp('venue-sale', 'at-sale');
    const v = await sellExperience('venue-sale');
    expect(lines(v.accounting)).toEqual([
      ['sale', 'revenue', 'experience-voucher', 4_739],
      ['sale', 'vat', 'REDUCED', 261],
    ]);
    const redemptionId = randomUUID();
    const redeemed = await redeem('venue-sale', v.code, redemptionId);
    expect(redeemed.grant).toEqual(grant);
    expect(lines(redeemed.accounting)).toEqual([
      ['redemption', 'revenue', 'concert-opening-night', 4_739],
      ['redemption', 'open-product', 'open-reduced-2627', -4_739],
    ]);
    expect(await refusal(redeem('venue-sale', v.code))).toBe('VOUCHER_ALREADY_REDEEMED');
    expect(lines((await redeem('venue-sale', v.code, redemptionId)).accounting)).toEqual(lines(redeemed.accounting));
    expect(await outboxCount(h, 'evt.voucher.redeemed', 'venue-sale')).toBe(1);
    expect((await h.bus.request(vouchersGet, ctxOf('venue-sale'), { voucherId: v.voucherId })).status).toBe('redeemed');
  });

  it('with VAT at redemption: defers the sale, then taxes at redemption and clears it with the open product', async () => {
    await setUp('venue-redemption', 'at-redemption');
    const v = await sellExperience('venue-redemption');
    expect(lines(v.accounting)).toEqual([['sale', 'deferred-revenue', 'experience-voucher', 5_000]]);
    // A later change of the setting does not rewrite vouchers already sold.
    await h.bus.request(voucherSettingsSet, ctxOf('venue-redemption'), { vatTiming: 'at-sale' });
    const redeemed = await redeem('venue-redemption', v.code);
    expect(lines(redeemed.accounting)).toEqual([
      ['redemption', 'revenue', 'concert-opening-night', 4_739],
      ['redemption', 'vat', 'REDUCED', 261],
      ['redemption', 'open-product', 'open-reduced-2627', -5_000],
    ]);
    expect(await refusal(redeem('venue-redemption', v.code))).toBe('VOUCHER_ALREADY_REDEEMED');
  });

  it('refuses the redemption with a clear error while the open product of the VAT code and season is missing, changing nothing', async () => {
    await setUp('venue-no-open', 'at-sale', false);
    const v = await sellExperience('venue-no-open');
    const code = await refusal(redeem('venue-no-open', v.code));
    expect(code).toBe('VOUCHER_OPEN_PRODUCT_MISSING');
    expect((await h.bus.request(vouchersGet, ctxOf('venue-no-open'), { voucherId: v.voucherId })).status).toBe('active');
    await h.bus.request(voucherOpenProductsSet, ctxOf('venue-no-open'), { season: '2026-2027', vatCode: 'REDUCED', vatRateBp: 550, openProductId: 'open-late' });
    expect((await redeem('venue-no-open', v.code)).accounting.at(-1)).toMatchObject({ kind: 'open-product', ref: 'open-late' });
  });

  it('is not sold before the tenant chose when VAT is computed', async () => {
    expect(await refusal(sellExperience('venue-unset'))).toBe('VOUCHER_VAT_TIMING_NOT_SET');
  });

  it('is not a means of payment, and a financial voucher is not redeemed for a ticket', async () => {
    await setUp('venue-kinds', 'at-sale');
    const experience = await sellExperience('venue-kinds');
    expect(
      await refusal(h.bus.request(vouchersHold, ctxOf('venue-kinds'), { orderId: 'o-1', code: experience.code, amountMinor: 100, currency: 'EUR' })),
    ).toBe('VOUCHER_WRONG_KIND');
    const financial = await sell(h, 'venue-kinds');
    expect(await refusal(redeem('venue-kinds', financial.code))).toBe('VOUCHER_WRONG_KIND');
    expect(await refusal(redeem('venue-sale', experience.code))).toBe('VOUCHER_NOT_FOUND');
  });
});
