import fc from 'fast-check';
import { compare, meetsConditions, tierProgress, type Activity } from './criteria';
import { paidOutsidePoints, pointsEarned, pointsForAmount, pointsToReverse, pointsValueMinor } from './earn';
import { takeFefo } from './lots';
import { percentOf, rewardReductions } from './rewards';

const now = new Date('2026-11-23T12:00:00Z');
const line = (over: Partial<{ lineId: string; productId: string; productFamily: 'event' | 'season-ticket' | 'service'; sectionId: string; quantity: number; paidMinor: number }> = {}) => ({
  lineId: 'l1',
  productId: 'p1',
  productFamily: 'event' as const,
  quantity: 2,
  paidMinor: 5000,
  ...over,
});
const noScope = { productIds: null, families: null, channels: null, pointsOfSale: null };

describe('earning rules', () => {
  it('adds per product, per section, per visit and per amount paid', () => {
    const rules = [
      { kind: 'per-product' as const, productId: 'p1', points: 10, scope: noScope },
      { kind: 'per-section' as const, sectionId: 'north', points: 3, scope: noScope },
      { kind: 'per-visit' as const, points: 5, scope: noScope },
      { kind: 'per-amount' as const, points: 1, perAmountMinor: 100, scope: noScope },
    ];
    const order = { channel: 'web', lines: [line({ sectionId: 'north' }), line({ lineId: 'l2', productId: 'p2', quantity: 1, paidMinor: 1250 })] };
    // 2×10 + 2×3 + 5 + floor(6250/100)
    expect(pointsEarned({ rules, seasonTicketHoldersOnly: false }, order, false)).toBe(20 + 6 + 5 + 62);
  });

  it('limits a rule to its channels, points of sale and product families', () => {
    const rule = { kind: 'per-visit' as const, points: 5, scope: { ...noScope, channels: ['box-office'], pointsOfSale: ['till-1'], families: ['event' as const] } };
    const policy = { rules: [rule], seasonTicketHoldersOnly: false };
    expect(pointsEarned(policy, { channel: 'box-office', pointOfSale: 'till-1', lines: [line()] }, false)).toBe(5);
    expect(pointsEarned(policy, { channel: 'web', pointOfSale: 'till-1', lines: [line()] }, false)).toBe(0);
    expect(pointsEarned(policy, { channel: 'box-office', pointOfSale: 'till-2', lines: [line()] }, false)).toBe(0);
    expect(pointsEarned(policy, { channel: 'box-office', pointOfSale: 'till-1', lines: [line({ productFamily: 'service' })] }, false)).toBe(0);
  });

  it('gives nothing to a contact who is not a season-ticket holder when the program says so', () => {
    const policy = { rules: [{ kind: 'per-visit' as const, points: 5, scope: noScope }], seasonTicketHoldersOnly: true };
    expect(pointsEarned(policy, { channel: 'web', lines: [line()] }, false)).toBe(0);
    expect(pointsEarned(policy, { channel: 'web', lines: [line()] }, true)).toBe(5);
    expect(pointsEarned(policy, { channel: 'web', lines: [line({ productFamily: 'season-ticket' })] }, false)).toBe(5);
  });

  it('reverses in proportion to the refund, never more than earned in total', () => {
    expect(pointsToReverse(100, 0, 10000, 2500)).toBe(25);
    expect(pointsToReverse(100, 25, 10000, 10000)).toBe(75);
    fc.assert(
      fc.property(fc.nat(10_000), fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.nat(1_000_000), { maxLength: 6 }), (earned, paid, refunds) => {
        let reversed = 0;
        let refunded = 0;
        for (const r of refunds) {
          refunded += r;
          reversed += pointsToReverse(earned, reversed, paid, refunded);
        }
        return reversed <= earned && reversed >= 0;
      }),
    );
  });

  it('values points rounding down and prices amounts rounding up', () => {
    expect(pointsValueMinor(999, 1, 10)).toBe(99);
    expect(pointsForAmount(3000, 1, 10)).toBe(30000);
    expect(pointsForAmount(1, 3, 1)).toBe(1);
  });
});

describe('points do not earn points', () => {
  const perEuro = { rules: [{ kind: 'per-amount' as const, points: 1, perAmountMinor: 100, scope: noScope }], seasonTicketHoldersOnly: false };

  it('earns on what was paid outside points: a line bought in points earns nothing, points on the order come off in proportion', () => {
    const lines = [line({ lineId: 'ticket', paidMinor: 8000 }), line({ lineId: 'scarf', paidMinor: 2500 }), line({ lineId: 'cap', paidMinor: 2000 })];
    const payments = [
      { method: 'points', amountMinor: 2500, ref: 'scarf' },
      { method: 'points', amountMinor: 1000 },
      { method: 'voucher', amountMinor: 3000, ref: '…1234' },
    ];
    expect(paidOutsidePoints(lines, payments).map((l) => [l.lineId, l.paidMinor])).toEqual([
      ['ticket', 7200],
      ['scarf', 0],
      ['cap', 1800],
    ]);
    expect(pointsEarned(perEuro, { channel: 'web', lines: paidOutsidePoints(lines, payments) }, false)).toBe(90);
    expect(pointsEarned(perEuro, { channel: 'web', lines }, false)).toBe(125);
  });

  it('takes off exactly the points paid, never more than a line was paid, and leaves other payments alone', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(1_000_000), { minLength: 1, maxLength: 6 }),
        fc.array(fc.record({ method: fc.constantFrom('points', 'voucher', 'card'), amountMinor: fc.nat(1_000_000), line: fc.option(fc.nat(7), { nil: undefined }) }), { maxLength: 5 }),
        (paid, raw) => {
          const lines = paid.map((paidMinor, n) => line({ lineId: `l${n}`, paidMinor }));
          const payments = raw.map((p) => ({ method: p.method, amountMinor: p.amountMinor, ...(p.line !== undefined ? { ref: `l${p.line}` } : {}) }));
          const after = paidOutsidePoints(lines, payments);
          const points = payments.filter((p) => p.method === 'points');
          const taken = lines.reduce((s, l, i) => s + l.paidMinor - after[i]!.paidMinor, 0);
          const total = lines.reduce((s, l) => s + l.paidMinor, 0);
          after.forEach((l, i) => {
            expect(l.paidMinor).toBeGreaterThanOrEqual(0);
            expect(l.paidMinor).toBeLessThanOrEqual(lines[i]!.paidMinor);
          });
          expect(taken).toBeLessThanOrEqual(Math.min(total, points.reduce((s, p) => s + p.amountMinor, 0)));
          // Points that fit what was paid are all taken off, to the minor unit.
          const fits = lines.every((l) => points.filter((p) => p.ref === l.lineId).reduce((s, p) => s + p.amountMinor, 0) <= l.paidMinor);
          if (fits && points.reduce((s, p) => s + p.amountMinor, 0) <= total) expect(taken).toBe(points.reduce((s, p) => s + p.amountMinor, 0));
          if (points.length === 0) expect(after).toEqual(lines);
        },
      ),
    );
  });
});

describe('lots', () => {
  it('spends the lots that expire first, never-expiring last, and skips expired ones', () => {
    const lots = [
      { lotId: 'a', remaining: 50, expiresAt: null },
      { lotId: 'b', remaining: 30, expiresAt: new Date('2027-03-01') },
      { lotId: 'c', remaining: 20, expiresAt: new Date('2027-01-01') },
      { lotId: 'd', remaining: 99, expiresAt: new Date('2026-01-01') },
    ];
    expect(takeFefo(lots, 60, now)).toEqual([
      { lotId: 'c', points: 20 },
      { lotId: 'b', points: 30 },
      { lotId: 'a', points: 10 },
    ]);
    expect(takeFefo(lots, 101, now)).toBeUndefined();
  });
});

describe('reward criteria', () => {
  const activity: Activity = { totalSpendingMinor: 50_000, ticketsPurchased: 10, eventsAttended: 5, memberSince: new Date(now.getTime() - 100 * 86_400_000) };
  const values = { 'total-spending': 50_000, 'tickets-purchased': 10, 'events-attended': 5, 'membership-days': 100 } as const;
  const expected: Record<string, [boolean, boolean, boolean]> = {
    // fan just below, at, and just above the threshold
    '=': [false, true, false],
    '>': [true, false, false],
    '<': [false, false, true],
    '>=': [true, true, false],
    '<=': [false, true, true],
  };
  for (const criterion of Object.keys(values) as (keyof typeof values)[]) {
    for (const operator of ['=', '>', '<', '>=', '<='] as const) {
      it(`${criterion} ${operator}: a fan below, at and above the threshold`, () => {
        const value = values[criterion];
        const outcome = [value - 1, value, value + 1].map((threshold) => meetsConditions(activity, [{ criterion, operator, value: threshold }], now));
        expect(outcome).toEqual(expected[operator]);
      });
    }
  }

  it('compares like the operators say', () => {
    fc.assert(fc.property(fc.integer(), fc.integer(), (a, b) => compare(a, '>=', b) === (compare(a, '>', b) || compare(a, '=', b))));
  });
});

describe('tiers', () => {
  it("says how far a fan is from the next tier (80% to Gold)", () => {
    const tiers = [
      { name: 'Silver', criterion: 'events-attended' as const, threshold: 5 },
      { name: 'Gold', criterion: 'events-attended' as const, threshold: 10 },
    ];
    const at = (n: number) => tierProgress(tiers, { totalSpendingMinor: 0, ticketsPurchased: 0, eventsAttended: n, memberSince: now }, now);
    expect(at(9)).toMatchObject({ current: 'Silver', next: 'Gold', percent: 80 });
    expect(at(2)).toMatchObject({ current: null, next: 'Silver', percent: 40 });
    expect(at(12)).toMatchObject({ current: 'Gold', next: null, percent: 100 });
  });
});

describe('reward reductions', () => {
  const lines = [
    { lineId: 't1', productFamily: 'event', quantity: 2, priceMinor: 3000 },
    { lineId: 'p1', productFamily: 'service', quantity: 1, priceMinor: 500 },
  ];
  it('applies a percentage half-even per line, a fixed amount never below zero, a free ticket on the cheapest ticket', () => {
    expect(percentOf(250, 1000)).toBe(25);
    expect(percentOf(5, 5000)).toBe(2);
    expect(percentOf(15, 5000)).toBe(8);
    expect(rewardReductions({ reward: { type: 'percentage', basisPoints: 1000 }, appliesTo: 'tickets' }, lines)).toEqual([{ lineId: 't1', amountMinor: 300 }]);
    expect(rewardReductions({ reward: { type: 'fixed', amountMinor: 10_000, currency: 'EUR' }, appliesTo: 'both' }, lines)).toEqual([
      { lineId: 't1', amountMinor: 3000 },
      { lineId: 'p1', amountMinor: 500 },
    ]);
    expect(rewardReductions({ reward: { type: 'free-ticket' }, appliesTo: 'both' }, lines)).toEqual([{ lineId: 't1', amountMinor: 1500 }]);
  });
});
