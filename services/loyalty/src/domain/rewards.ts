import type { Reward } from '@tlp/contracts';

export interface RewardLine {
  lineId: string;
  productFamily: string;
  quantity: number;
  priceMinor: number;
}

const isTicket = (family: string) => family !== 'service' && family !== 'voucher' && family !== 'experience-voucher' && family !== 'membership';

/** Half-even rounding of a basis-point share: no systematic gain for either side. */
export function percentOf(amountMinor: number, basisPoints: number): number {
  const exact = (amountMinor * basisPoints) / 10_000;
  const floor = Math.floor(exact);
  const diff = exact - floor;
  if (diff > 0.5 || (diff === 0.5 && floor % 2 === 1)) return floor + 1;
  return floor;
}

/**
 * The reduction a reward gives on each line it applies to; a line never goes below zero. A fixed
 * amount is spread over the lines in order; a free ticket takes the cheapest ticket's unit price.
 */
export function rewardReductions(reward: Pick<Reward, 'reward' | 'appliesTo'>, lines: RewardLine[]): { lineId: string; amountMinor: number }[] {
  const eligible = lines.filter((l) =>
    reward.appliesTo === 'both' ? true : reward.appliesTo === 'tickets' ? isTicket(l.productFamily) : !isTicket(l.productFamily),
  );
  const r = reward.reward;
  if (r.type === 'percentage') {
    return eligible.map((l) => ({ lineId: l.lineId, amountMinor: Math.min(l.priceMinor, percentOf(l.priceMinor, r.basisPoints)) })).filter((x) => x.amountMinor > 0);
  }
  if (r.type === 'fixed') {
    let left = r.amountMinor;
    const out: { lineId: string; amountMinor: number }[] = [];
    for (const l of eligible) {
      const n = Math.min(left, l.priceMinor);
      if (n > 0) out.push({ lineId: l.lineId, amountMinor: n });
      left -= n;
    }
    return out;
  }
  const tickets = eligible.filter((l) => isTicket(l.productFamily) && l.quantity > 0);
  if (tickets.length === 0) return [];
  const cheapest = tickets.reduce((a, b) => (b.priceMinor / b.quantity < a.priceMinor / a.quantity ? b : a));
  return [{ lineId: cheapest.lineId, amountMinor: Math.floor(cheapest.priceMinor / cheapest.quantity) }];
}
