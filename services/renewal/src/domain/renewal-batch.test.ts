import fc from 'fast-check';
import { decideGroup } from './decision-table';
import { RenewalBatch, type BatchHolder } from './renewal-batch';
import { SeatPool } from './seat-pool';

const seats = (count: number, category = 'CAT1') =>
  Array.from({ length: count }, (_, i) => ({ seatId: `s${i}`, area: 'A', row: '1', number: String(i), category, rank: i, free: true }));
const holder = (id: string, originNumber: string | null, preferredNumber: string | null = null): BatchHolder => ({
  originHoldingId: id,
  contactId: `contact-${id}`,
  alreadyHolder: false,
  groups: [
    {
      originCategory: 'CAT1',
      originSeat: originNumber === null ? null : { area: 'A', row: '1', number: originNumber },
      preferredSeat: preferredNumber === null ? null : { area: 'A', row: '1', number: preferredNumber },
    },
  ],
});

describe('the two steps of the renewal batch', () => {
  // X comes first; its origin seat no longer exists in the new layout. Y's seat 0 does and is
  // also the best seat of the category.
  const holders = [holder('x', '999'), holder('y', '0')];

  it('one step in holder order would give the returning holder’s seat to someone else', () => {
    const pool = new SeatPool(seats(3));
    const seatOf = holders.map((h) => {
      const g = h.groups[0]!;
      const lookup = (p: typeof g.originSeat) => {
        const s = p ? pool.at(p) : undefined;
        return s ? { seat: s, available: pool.isFree(s.seatId) } : null;
      };
      const d = decideGroup({ samePhysicalConfiguration: false, originCategory: 'CAT1', originSeat: lookup(g.originSeat), preferredSeat: null, bestSeat: pool.bestFree('CAT1') ?? null });
      if (d.seat) pool.take(d.seat.seatId);
      return d.seat?.seatId;
    });
    expect(seatOf).toEqual(['s0', 's1']);
  });

  it('the two-step batch keeps the returning holder’s seat and gives the next best to the other', () => {
    const pool = new SeatPool(seats(3));
    const batch = new RenewalBatch([{ physicalConfigurationId: 'p', samePhysicalConfiguration: false, pool }], 10, 'TWO_STEPS');
    const out = [...batch.decide(holders)];
    const byHolder = Object.fromEntries(out.map((d) => [d.holder.originHoldingId, d]));
    expect(byHolder.y).toMatchObject({ step: 1, outcome: 'renewed', seatChanged: false });
    expect(byHolder.y!.groups[0]!.seat!.seatId).toBe('s0');
    expect(byHolder.x).toMatchObject({ step: 2, outcome: 'renewed', seatChanged: true });
    expect(byHolder.x!.groups[0]!.seat!.seatId).toBe('s1');
  });

  it('SAME_SEAT_ONLY leaves the others for later, OTHER_SEATS_ONLY leaves the same-seat holders and their seats alone', () => {
    const same = [...new RenewalBatch([{ physicalConfigurationId: 'p', samePhysicalConfiguration: false, pool: new SeatPool(seats(3)) }], 10, 'SAME_SEAT_ONLY').decide(holders)];
    expect(same.map((d) => [d.holder.originHoldingId, d.outcome, d.reason])).toEqual([
      ['x', 'not-renewed', 'LEFT_FOR_OTHER_SEATS_STEP'],
      ['y', 'renewed', null],
    ]);
    const other = [...new RenewalBatch([{ physicalConfigurationId: 'p', samePhysicalConfiguration: false, pool: new SeatPool(seats(3)) }], 10, 'OTHER_SEATS_ONLY').decide(holders)];
    expect(other.map((d) => [d.holder.originHoldingId, d.outcome, d.reason, d.groups[0]?.seat?.seatId])).toEqual([
      ['x', 'renewed', null, 's1'],
      ['y', 'not-renewed', 'LEFT_FOR_SAME_SEAT_STEP', 's0'],
    ]);
  });

  it('stops at the quota and releases what a refused holder held', () => {
    const pool = new SeatPool(seats(3));
    const batch = new RenewalBatch([{ physicalConfigurationId: 'p', samePhysicalConfiguration: false, pool }], 1, 'TWO_STEPS');
    const out = [...batch.decide([holder('a', '1'), holder('b', '999')])];
    expect(out.map((d) => d.reason)).toEqual([null, 'QUOTA_EXHAUSTED']);
    expect(pool.isFree('s0')).toBe(true);
  });

  it('never gives a seat twice and decides every holder exactly once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.option(fc.nat(40)), fc.option(fc.nat(40)), fc.boolean()), { maxLength: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom('TWO_STEPS' as const, 'SAME_SEAT_ONLY' as const, 'OTHER_SEATS_ONLY' as const),
        fc.boolean(),
        (seatCount, specs, quota, strategy, same) => {
          const pool = new SeatPool(seats(seatCount).map((s, i) => ({ ...s, category: i % 3 === 0 ? 'CAT2' : 'CAT1' })));
          const hs = specs.map(([o, p, taken], i) => ({
            ...holder(`h${i}`, o === null ? null : String(o), p === null ? null : String(p)),
            alreadyHolder: taken && i % 7 === 0,
          }));
          const out = [...new RenewalBatch([{ physicalConfigurationId: 'p', samePhysicalConfiguration: same, pool }], quota, strategy).decide(hs)];
          expect(out.map((d) => d.holder.originHoldingId).sort()).toEqual(hs.map((h) => h.originHoldingId).sort());
          const given = out.filter((d) => d.outcome === 'renewed').map((d) => d.groups[0]!.seat!.seatId);
          expect(new Set(given).size).toBe(given.length);
          expect(given.length).toBeLessThanOrEqual(quota);
          for (const id of given) expect(pool.isFree(id)).toBe(false);
        },
      ),
    );
  });
});
