import fc from 'fast-check';
import { refundedReductions } from './cart';

const funders = ['organizer', 'promoter', 'partner'] as const;

describe('reductions given back by refunds', () => {
  it('give back exactly the line reductions once a line is refunded in full, whatever the parts, and never more on the way', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.array(fc.record({ amountMinor: fc.integer({ min: 0, max: 50_000 }), fundedBy: fc.constantFrom(...funders) }), { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
        (priceMinor, cuts, weights) => {
          const line = { lineId: 'l1', priceMinor, reductions: cuts.map((c, i) => ({ source: 'advantage' as const, ref: `r${i}`, ...c })) };
          // Split the price into refunds in proportion to the weights; the last takes the rest.
          const total = weights.reduce((s, w) => s + w, 0);
          const parts = weights.map((w) => Math.floor((priceMinor * w) / total));
          parts[parts.length - 1]! += priceMinor - parts.reduce((s, p) => s + p, 0);
          const given = new Map<string, number>();
          let refunded = 0;
          for (const amountMinor of parts.filter((p) => p > 0)) {
            for (const r of refundedReductions([line], new Map([['l1', refunded]]), [{ lineId: 'l1', amountMinor }])) given.set(r.ref, (given.get(r.ref) ?? 0) + r.amountMinor);
            refunded += amountMinor;
            for (const [i, c] of cuts.entries()) expect(given.get(`r${i}`) ?? 0).toBeLessThanOrEqual(Math.ceil((c.amountMinor * refunded) / priceMinor));
          }
          for (const [i, c] of cuts.entries()) expect(given.get(`r${i}`) ?? 0).toBe(c.amountMinor);
        },
      ),
    );
  });

  it('keep who funds each reduction and leave out lines not refunded', () => {
    const lines = [
      { lineId: 'l1', priceMinor: 6000, reductions: [{ source: 'advantage' as const, ref: 'adv', amountMinor: 2000, fundedBy: 'promoter' as const, label: 'Offer' }] },
      { lineId: 'l2', priceMinor: 3000, reductions: [{ source: 'promo-code' as const, ref: 'promo', amountMinor: 300, fundedBy: 'organizer' as const }] },
    ];
    expect(refundedReductions(lines, new Map(), [{ lineId: 'l1', amountMinor: 3000 }])).toEqual([{ source: 'advantage', ref: 'adv', amountMinor: 1000, fundedBy: 'promoter', lineId: 'l1' }]);
  });
});
