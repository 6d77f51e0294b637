import fc from 'fast-check';
import { divideHalfEven, redemptionLines, saleLines, splitGross } from './vat';

const price = { priceMinor: 5_000, currency: 'EUR', vatCode: 'REDUCED' };
const refs = { productId: 'concert-2026', openProductId: 'open-reduced-2026' };

describe('VAT of experience vouchers', () => {
  it('rounds half to even', () => {
    expect(divideHalfEven(5n, 2n)).toBe(2n);
    expect(divideHalfEven(7n, 2n)).toBe(4n);
    expect(divideHalfEven(11n, 4n)).toBe(3n);
  });

  it('splits a VAT-inclusive price into net and VAT that add back to the price', () => {
    expect(splitGross(5_000, 1_000)).toEqual({ netMinor: 4_545, vatMinor: 455 });
    expect(splitGross(12_000, 2_000)).toEqual({ netMinor: 10_000, vatMinor: 2_000 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), (gross, bp) => {
        const { netMinor, vatMinor } = splitGross(gross, bp);
        expect(netMinor + vatMinor).toBe(gross);
        expect(netMinor).toBeGreaterThanOrEqual(0);
        expect(vatMinor).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('with VAT at sale: taxes the sale, then moves the net revenue to the ticket through the open product', () => {
    expect(saleLines('at-sale', price, 1_000).map((l) => [l.kind, l.amountMinor])).toEqual([
      ['revenue', 4_545],
      ['vat', 455],
    ]);
    expect(redemptionLines('at-sale', price, { atSaleBp: 1_000, openProductBp: 550 }, refs).map((l) => [l.kind, l.ref, l.amountMinor])).toEqual([
      ['revenue', 'concert-2026', 4_545],
      ['open-product', 'open-reduced-2026', -4_545],
    ]);
  });

  it('with VAT at redemption: defers the sale, then taxes at the open product rate and clears it', () => {
    expect(saleLines('at-redemption', price, 1_000).map((l) => [l.kind, l.amountMinor])).toEqual([['deferred-revenue', 5_000]]);
    expect(redemptionLines('at-redemption', price, { atSaleBp: 1_000, openProductBp: 550 }, refs).map((l) => [l.kind, l.ref, l.amountMinor])).toEqual([
      ['revenue', 'concert-2026', 4_739],
      ['vat', 'REDUCED', 261],
      ['open-product', 'open-reduced-2026', -5_000],
    ]);
  });

  it('balances every redemption to zero', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.constantFrom('at-sale' as const, 'at-redemption' as const), (gross, bp, timing) => {
        const lines = redemptionLines(timing, { ...price, priceMinor: gross }, { atSaleBp: bp, openProductBp: bp }, refs);
        expect(lines.reduce((s, l) => s + l.amountMinor, 0)).toBe(0);
      }),
    );
  });
});
