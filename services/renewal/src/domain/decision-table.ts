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

const sameSeatTaken = 'The seat with the same area, row and number is taken';
const noSameSeat = 'No seat with the same area, row and number in the new configuration';

/** Why each row of the table decides what it does; a decision records its row, so its rationale. */
export const RATIONALE: Readonly<Record<number, string>> = {
  1: 'Same physical configuration: the holder keeps the same seat, free and in the same category.',
  2: 'The holder expects to reuse the same seat but it is not available or its category (so its price) changed: the venue must contact the holder.',
  3: 'The new physical configuration has a free seat with the same area, row and number; the holder does not expect the same category since the configuration changed.',
  4: `${sameSeatTaken}; the preferred seat is free and in the holder's category.`,
  5: `${sameSeatTaken}; the preferred seat is taken or in another category: best free seat in the holder's category.`,
  6: `${sameSeatTaken}; the preferred seat is taken or in another category; no free seat left in the holder's category.`,
  7: `${sameSeatTaken}; no valid preferred seat: best free seat in the holder's category.`,
  8: `${sameSeatTaken}; no valid preferred seat; no free seat left in the holder's category.`,
  9: `${noSameSeat}; the preferred seat is free and in the holder's category.`,
  10: `${noSameSeat}; the preferred seat is taken or in another category: best free seat in the holder's category.`,
  11: `${noSameSeat}; the preferred seat is taken or in another category; no free seat left in the holder's category.`,
  12: `${noSameSeat}; no valid preferred seat: best free seat in the holder's category.`,
  13: `${noSameSeat}; no valid preferred seat; no free seat left in the holder's category.`,
};

const renew = (row: number, source: SeatSource, seat: PoolSeat): GroupDecision => ({ row, action: 'renew', source, seat, rationale: RATIONALE[row]! });
const dontRenew = (row: number): GroupDecision => ({ row, action: 'dont-renew', source: 'none', seat: null, rationale: RATIONALE[row]! });

/**
 * Rows 1 to 3 of the table: the seat the holder had. Null means the origin seat settles nothing
 * and the preferred or best seat decides (rows 4 to 13). This is the batch's first step.
 */
export function decideByOriginSeat(s: GroupSituation): GroupDecision | null {
  if (s.samePhysicalConfiguration) {
    const kept = s.originSeat?.available === true && s.originSeat.seat.category === s.originCategory;
    return kept ? renew(1, 'origin-seat', s.originSeat!.seat) : dontRenew(2);
  }
  return s.originSeat?.available ? renew(3, 'origin-seat', s.originSeat.seat) : null;
}

/** Rows 4 to 13: preferred seat, then best seat in the origin category. The batch's second step. */
export function decideByOtherSeats(s: GroupSituation): GroupDecision {
  const base = s.originSeat !== null ? 4 : 9;
  const best = (row: number): GroupDecision => (s.bestSeat ? renew(row, 'best-seat', s.bestSeat) : dontRenew(row + 1));
  if (s.preferredSeat) {
    if (s.preferredSeat.available && s.preferredSeat.seat.category === s.originCategory) return renew(base, 'preferred-seat', s.preferredSeat.seat);
    return best(base + 1);
  }
  return best(base + 3);
}

/** The whole table for one holder and one group: first the origin seat, then the other seats. */
export function decideGroup(s: GroupSituation): GroupDecision {
  return decideByOriginSeat(s) ?? decideByOtherSeats(s);
}
