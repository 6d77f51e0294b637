import type { EarnRules, PointsConversion, SpendRules } from '@tlp/contracts';

/** Conversions in integers only (BigInt in between so no product overflows a double). */
const mulDivFloor = (a: number, b: number, c: number): number => Number((BigInt(a) * BigInt(b)) / BigInt(c));
const mulDivCeil = (a: number, b: number, c: number): number => Number((BigInt(a) * BigInt(b) + BigInt(c) - 1n) / BigInt(c));

/** What points are worth, rounded down: a balance is never shown above its real value. */
export const pointsValue = (points: number, c: PointsConversion): number =>
  points <= 0 ? 0 : mulDivFloor(points, c.amountMinor, c.points);

/** Points needed to pay an amount, rounded up: the partner is never paid less than the amount. */
export const pointsFor = (amountMinor: number, c: PointsConversion): number => mulDivCeil(amountMinor, c.points, c.amountMinor);

export interface EarnOrder {
  channel: string;
  pointOfSale?: string | undefined;
  lines: { lineId: string; productFamily: string; paidMinor: number }[];
  /** Paid with the partner's own points: that share earns nothing. */
  paidWithPartnerPointsMinor: number;
}

export interface EarnLine {
  lineId: string;
  basisMinor: number;
  points: number;
}

export type EarnDecision =
  | { earns: true; points: number; lines: EarnLine[] }
  | { earns: false; reason: 'disabled' | 'not-season-ticket-holder' | 'channel' | 'point-of-sale' | 'no-eligible-line' | 'member-left' };

const allows = (only: readonly string[] | null, value: string | undefined): boolean =>
  only === null || (value !== undefined && only.includes(value));

/**
 * The earn transaction an order reports to the partner under the agreed rules. Each eligible
 * line earns on what was paid for it, less its share of what was paid with partner points;
 * points are rounded down per line, so refunds can be reversed line by line.
 */
export function computeEarn(rules: EarnRules, order: EarnOrder, contact: { seasonTicketHolder: boolean; memberLeft: boolean }): EarnDecision {
  if (!rules.enabled) return { earns: false, reason: 'disabled' };
  if (contact.memberLeft) return { earns: false, reason: 'member-left' };
  if (rules.seasonTicketHoldersOnly && !contact.seasonTicketHolder) return { earns: false, reason: 'not-season-ticket-holder' };
  if (!allows(rules.channels, order.channel)) return { earns: false, reason: 'channel' };
  if (!allows(rules.pointsOfSale, order.pointOfSale)) return { earns: false, reason: 'point-of-sale' };
  const totalPaid = order.lines.reduce((s, l) => s + l.paidMinor, 0);
  const earnable = Math.max(0, totalPaid - order.paidWithPartnerPointsMinor);
  const lines = order.lines
    .filter((l) => allows(rules.productFamilies, l.productFamily))
    .map((l) => {
      const basisMinor = totalPaid === 0 ? 0 : mulDivFloor(l.paidMinor, earnable, totalPaid);
      return { lineId: l.lineId, basisMinor, points: mulDivFloor(basisMinor, rules.rate.points, rules.rate.perMinor) };
    })
    .filter((l) => l.points > 0);
  if (lines.length === 0) return { earns: false, reason: 'no-eligible-line' };
  return { earns: true, points: lines.reduce((s, l) => s + l.points, 0), lines };
}

/**
 * Points to take back when `refundedMinor` more of a line is refunded. Computed from the
 * cumulative refund, so several partial refunds never take back more than the line earned and a
 * full refund takes back exactly what it earned.
 */
export function reversalPoints(
  line: { paidMinor: number; points: number; refundedMinor: number; reversedPoints: number },
  refundedMinor: number,
): { points: number; refundedMinor: number } {
  const cumulative = Math.min(line.paidMinor, line.refundedMinor + refundedMinor);
  const target = line.paidMinor === 0 ? line.points : mulDivFloor(line.points, cumulative, line.paidMinor);
  return { points: Math.max(0, target - line.reversedPoints), refundedMinor: cumulative };
}

export interface SpendRequest {
  channel: string;
  pointOfSale?: string | undefined;
  amountMinor: number;
  lines: { lineId: string; productFamily: string; amountMinor: number }[];
}

export type SpendDecision =
  | { allowed: true; payableMinor: number }
  | { allowed: false; reason: 'disabled' | 'channel' | 'point-of-sale' | 'amount-above-payable'; payableMinor: number; blockedLines: string[] };

/** Whether points may pay `amountMinor` of this cart: only lines of allowed families count. */
export function checkSpend(rules: SpendRules, req: SpendRequest): SpendDecision {
  const blockedLines = req.lines
    .filter((l) => rules.blockedFamilies.includes(l.productFamily as never) || !allows(rules.allowedFamilies, l.productFamily))
    .map((l) => l.lineId);
  const payableMinor = req.lines.filter((l) => !blockedLines.includes(l.lineId)).reduce((s, l) => s + l.amountMinor, 0);
  const refuse = (reason: 'disabled' | 'channel' | 'point-of-sale' | 'amount-above-payable') =>
    ({ allowed: false, reason, payableMinor, blockedLines }) as const;
  if (!rules.enabled) return refuse('disabled');
  if (!allows(rules.channels, req.channel)) return refuse('channel');
  if (!allows(rules.pointsOfSale, req.pointOfSale)) return refuse('point-of-sale');
  if (req.amountMinor > payableMinor) return refuse('amount-above-payable');
  return { allowed: true, payableMinor };
}

/** Points credited back for a refund paid in partner points, in proportion to what was captured. */
export function refundPoints(
  hold: { points: number; amountMinor: number; refundedMinor: number; refundedPoints: number },
  refundMinor: number,
): { points: number; refundedMinor: number } {
  const cumulative = Math.min(hold.amountMinor, hold.refundedMinor + refundMinor);
  const target = mulDivFloor(hold.points, cumulative, hold.amountMinor);
  return { points: Math.max(0, target - hold.refundedPoints), refundedMinor: cumulative };
}
