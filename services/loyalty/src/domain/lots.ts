/** A lot of points earned together, spent first-expiring-first. */
export interface Lot {
  lotId: string;
  remaining: number;
  /** null: never expires (spent last). */
  expiresAt: Date | null;
}

export interface Take {
  lotId: string;
  points: number;
}

/** Orders lots the way spending consumes them: earliest expiry first, never-expiring last, then oldest. */
export function fefoOrder<L extends Lot>(lots: L[]): L[] {
  return [...lots].sort((a, b) => {
    const ea = a.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    const eb = b.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
    return ea !== eb ? ea - eb : a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
  });
}

/**
 * Takes `points` from the lots that expire first, skipping lots already expired at `now`.
 * Returns undefined when the live lots do not hold enough: nothing is taken then.
 */
export function takeFefo(lots: Lot[], points: number, now: Date): Take[] | undefined {
  const takes: Take[] = [];
  let left = points;
  for (const lot of fefoOrder(lots)) {
    if (left === 0) break;
    if (lot.remaining <= 0 || (lot.expiresAt && lot.expiresAt <= now)) continue;
    const n = Math.min(lot.remaining, left);
    takes.push({ lotId: lot.lotId, points: n });
    left -= n;
  }
  return left === 0 ? takes : undefined;
}
