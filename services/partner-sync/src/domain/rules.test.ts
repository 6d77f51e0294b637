import { EarnRules, SpendRules, type ProductFamily } from '@tlp/contracts';
import fc from 'fast-check';
import { checkSpend, computeEarn, pointsFor, pointsValue, refundPoints, reversalPoints } from './rules';

const holder = { seasonTicketHolder: true, memberLeft: false };
const casual = { seasonTicketHolder: false, memberLeft: false };
const order = (lines: { family: ProductFamily; paidMinor: number }[], extra: { channel?: string; pointOfSale?: string; partnerPoints?: number } = {}) => ({
  channel: extra.channel ?? 'webshop',
  pointOfSale: extra.pointOfSale,
  lines: lines.map((l, n) => ({ lineId: `l${n}`, productFamily: l.family, paidMinor: l.paidMinor })),
  paidWithPartnerPointsMinor: extra.partnerPoints ?? 0,
});

describe('earn rules', () => {
  const seasonOnly = EarnRules.parse({ seasonTicketHoldersOnly: true });

  it('gives nothing to a contact without a season ticket when only holders earn', () => {
    expect(computeEarn(seasonOnly, order([{ family: 'event', paidMinor: 5000 }]), casual)).toEqual({ earns: false, reason: 'not-season-ticket-holder' });
  });

  it('earns one point per pound for a holder, rounded down per line', () => {
    expect(computeEarn(seasonOnly, order([{ family: 'event', paidMinor: 5099 }, { family: 'service', paidMinor: 250 }]), holder)).toEqual({
      earns: true,
      points: 52,
      lines: [
        { lineId: 'l0', basisMinor: 5099, points: 50 },
        { lineId: 'l1', basisMinor: 250, points: 2 },
      ],
    });
  });

  it('only earns in the agreed channels, points of sale and product families', () => {
    const stadium = EarnRules.parse({ channels: ['box-office'], pointsOfSale: ['stadium-shop'], productFamilies: ['event'] });
    expect(computeEarn(stadium, order([{ family: 'event', paidMinor: 1000 }]), casual)).toMatchObject({ reason: 'channel' });
    expect(computeEarn(stadium, order([{ family: 'event', paidMinor: 1000 }], { channel: 'box-office', pointOfSale: 'city-kiosk' }), casual)).toMatchObject({
      reason: 'point-of-sale',
    });
    expect(computeEarn(stadium, order([{ family: 'service', paidMinor: 1000 }], { channel: 'box-office', pointOfSale: 'stadium-shop' }), casual)).toMatchObject({
      reason: 'no-eligible-line',
    });
    expect(
      computeEarn(stadium, order([{ family: 'event', paidMinor: 1000 }, { family: 'service', paidMinor: 900 }], { channel: 'box-office', pointOfSale: 'stadium-shop' }), casual),
    ).toMatchObject({ earns: true, points: 10 });
  });

  it('earns nothing on what was paid with partner points, nor for a member who left', () => {
    const rules = EarnRules.parse({});
    expect(computeEarn(rules, order([{ family: 'event', paidMinor: 4000 }], { partnerPoints: 1000 }), casual)).toMatchObject({ points: 30 });
    expect(computeEarn(rules, order([{ family: 'event', paidMinor: 4000 }], { partnerPoints: 4000 }), casual)).toMatchObject({ earns: false });
    expect(computeEarn(rules, order([{ family: 'event', paidMinor: 4000 }]), { seasonTicketHolder: true, memberLeft: true })).toMatchObject({ reason: 'member-left' });
  });

  it('never earns more than the rate allows on what was paid (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 1000 }),
        (paid, partnerPoints, points, perMinor) => {
          const d = computeEarn(EarnRules.parse({ rate: { points, perMinor } }), order(paid.map((p) => ({ family: 'event', paidMinor: p })), { partnerPoints }), casual);
          const earnable = Math.max(0, paid.reduce((s, p) => s + p, 0) - partnerPoints);
          const total = d.earns ? d.points : 0;
          expect(total).toBeGreaterThanOrEqual(0);
          expect(total).toBeLessThanOrEqual(Math.floor((earnable * points) / perMinor));
        },
      ),
    );
  });
});

describe('reversals and refunds', () => {
  it('partial refunds never take back more than the line earned, and a full refund takes back all of it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 1000 }), fc.array(fc.integer({ min: 0, max: 50_000 }), { maxLength: 6 }), (paid, pts, parts) => {
        let line = { paidMinor: paid, points: pts, refundedMinor: 0, reversedPoints: 0 };
        for (const part of [...parts, paid]) {
          const r = reversalPoints(line, part);
          expect(r.points).toBeGreaterThanOrEqual(0);
          line = { ...line, refundedMinor: r.refundedMinor, reversedPoints: line.reversedPoints + r.points };
          expect(line.reversedPoints).toBeLessThanOrEqual(pts);
        }
        expect(line.reversedPoints).toBe(pts);
      }),
    );
  });

  it('credits spent points back in proportion and never beyond what was captured (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), fc.array(fc.integer({ min: 0, max: 60_000 }), { maxLength: 6 }), (amount, pts, parts) => {
        let hold = { points: pts, amountMinor: amount, refundedMinor: 0, refundedPoints: 0 };
        for (const part of [...parts, amount]) {
          const r = refundPoints(hold, part);
          hold = { ...hold, refundedMinor: r.refundedMinor, refundedPoints: hold.refundedPoints + r.points };
          expect(hold.refundedPoints).toBeLessThanOrEqual(pts);
        }
        expect(hold.refundedPoints).toBe(pts);
      }),
    );
  });
});

describe('spending and conversion', () => {
  const rules = SpendRules.parse({ blockedFamilies: ['season-ticket'], channels: ['webshop'] });
  const cart = { channel: 'webshop', lines: [{ lineId: 'a', productFamily: 'season-ticket' as const, amountMinor: 30000 }, { lineId: 'b', productFamily: 'event' as const, amountMinor: 2000 }] };

  it('cannot pay a blocked product family with points', () => {
    expect(checkSpend(rules, { ...cart, amountMinor: 2001 })).toEqual({ allowed: false, reason: 'amount-above-payable', payableMinor: 2000, blockedLines: ['a'] });
    expect(checkSpend(rules, { ...cart, amountMinor: 2000 })).toEqual({ allowed: true, payableMinor: 2000 });
  });

  it('only spends in the agreed channels and, when listed, on allowed families', () => {
    expect(checkSpend(rules, { ...cart, channel: 'box-office', amountMinor: 100 })).toMatchObject({ allowed: false, reason: 'channel' });
    const onlyServices = SpendRules.parse({ allowedFamilies: ['service'] });
    expect(checkSpend(onlyServices, { ...cart, amountMinor: 100 })).toMatchObject({ allowed: false, payableMinor: 0, blockedLines: ['a', 'b'] });
  });

  it('values points down and prices amounts up, so neither side is shortchanged (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 10_000_000 }), (p, m, amount) => {
        const c = { points: p, amountMinor: m, currency: 'GBP' };
        const needed = pointsFor(amount, c);
        expect(pointsValue(needed, c)).toBeGreaterThanOrEqual(amount);
        expect(pointsValue(needed - 1, c)).toBeLessThan(amount);
      }),
    );
  });
});
