import type { PoolSeat } from './seat-pool';

/** What the batch knows about one holder for one group of target performances (one physical configuration). */
export interface GroupSituation {
  /** The target group uses the physical configuration the holder's origin seat was in. */
  samePhysicalConfiguration: boolean;
  /** The holder's seat category in the origin season ticket. */
  originCategory: string;
  /** The target seat with the origin seat's area, row and number; null when there is none. */
  originSeat: { seat: PoolSeat; available: boolean } | null;
  /** The contact's preferred seat in the target configuration; null when unknown or no longer valid. */
  preferredSeat: { seat: PoolSeat; available: boolean } | null;
  /** The best free seat of the origin category. */
  bestSeat: PoolSeat | null;
}

export type SeatSource = 'origin-seat' | 'preferred-seat' | 'best-seat' | 'none';

export interface GroupDecision {
  /** The row of the seed's decision table, 1 to 13. */
  row: number;
  action: 'renew' | 'dont-renew';
  source: SeatSource;
  seat: PoolSeat | null;
  rationale: string;
}

const renew = (row: number, source: SeatSource, seat: PoolSeat, rationale: string): GroupDecision => ({
  row,
  action: 'renew',
  source,
  seat,
  rationale,
});
const dontRenew = (row: number, rationale: string): GroupDecision => ({ row, action: 'dont-renew', source: 'none', seat: null, rationale });

/**
 * Rows 1 to 3 of the table: the seat the holder had. Null means the origin seat settles nothing
 * and the preferred or best seat decides (rows 4 to 13). This is the batch's first step.
 */
export function decideByOriginSeat(s: GroupSituation): GroupDecision | null {
  if (s.samePhysicalConfiguration) {
    const kept = s.originSeat?.available === true && s.originSeat.seat.category === s.originCategory;
    return kept
      ? renew(1, 'origin-seat', s.originSeat!.seat, 'Same physical configuration: the holder keeps the same seat, free and in the same category.')
      : dontRenew(
          2,
          'The holder expects to reuse the same seat but it is not available or its category (so its price) changed: the venue must contact the holder.',
        );
  }
  if (s.originSeat?.available) {
    return renew(
      3,
      'origin-seat',
      s.originSeat.seat,
      'The new physical configuration has a free seat with the same area, row and number; the holder does not expect the same category since the configuration changed.',
    );
  }
  return null;
}

/** Rows 4 to 13: preferred seat, then best seat in the origin category. The batch's second step. */
export function decideByOtherSeats(s: GroupSituation): GroupDecision {
  const mapped = s.originSeat !== null;
  const base = mapped ? 4 : 9;
  const why = mapped ? 'The seat with the same area, row and number is taken' : 'No seat with the same area, row and number in the new configuration';
  const best = (row: number, preferredWhy: string): GroupDecision =>
    s.bestSeat
      ? renew(row, 'best-seat', s.bestSeat, `${why}; ${preferredWhy}: best free seat in the holder's category.`)
      : dontRenew(row + 1, `${why}; ${preferredWhy}; no free seat left in the holder's category.`);
  if (s.preferredSeat) {
    if (s.preferredSeat.available && s.preferredSeat.seat.category === s.originCategory) {
      return renew(base, 'preferred-seat', s.preferredSeat.seat, `${why}; the preferred seat is free and in the holder's category.`);
    }
    return best(base + 1, 'the preferred seat is taken or in another category');
  }
  return best(base + 3, 'no valid preferred seat');
}

/** The whole table for one holder and one group: first the origin seat, then the other seats. */
export function decideGroup(s: GroupSituation): GroupDecision {
  return decideByOriginSeat(s) ?? decideByOtherSeats(s);
}
