import { distribute, type OrderLine, type ScopedEarnRule } from '@tlp/contracts';

export interface EarnableOrder {
  channel: string;
  pointOfSale?: string;
  lines: Pick<OrderLine, 'lineId' | 'productId' | 'productFamily' | 'sectionId' | 'quantity' | 'paidMinor'>[];
}

export interface EarnPolicy {
  rules: ScopedEarnRule[];
  seasonTicketHoldersOnly: boolean;
}

function inScope(rule: ScopedEarnRule, order: EarnableOrder, line: EarnableOrder['lines'][number]): boolean {
  const s = rule.scope;
  return (
    (!s.channels || s.channels.includes(order.channel)) &&
    (!s.pointsOfSale || (order.pointOfSale !== undefined && s.pointsOfSale.includes(order.pointOfSale))) &&
    (!s.productIds || s.productIds.includes(line.productId)) &&
    (!s.families || s.families.includes(line.productFamily))
  );
}

/**
 * Points an order earns under a program's rules (seed 001): per product and per section count
 * each ticket, per amount counts what was really paid (after every reduction; pass the lines
 * through paidOutsidePoints so points do not earn points), per visit counts
 * once per order when any line is in scope. Rules add up. A contact who is not eligible earns
 * nothing. Buying a season ticket makes the buyer a holder for this very order.
 */
export function pointsEarned(policy: EarnPolicy, order: EarnableOrder, isSeasonTicketHolder: boolean): number {
  const holder = isSeasonTicketHolder || order.lines.some((l) => l.productFamily === 'season-ticket');
  if (policy.seasonTicketHoldersOnly && !holder) return 0;
  let total = 0;
  for (const rule of policy.rules) {
    const lines = order.lines.filter((l) => inScope(rule, order, l));
    if (lines.length === 0) continue;
    switch (rule.kind) {
      case 'per-product':
        total += lines.filter((l) => l.productId === rule.productId).reduce((s, l) => s + l.quantity * rule.points, 0);
        break;
      case 'per-section':
        total += lines.filter((l) => l.sectionId === rule.sectionId).reduce((s, l) => s + l.quantity * rule.points, 0);
        break;
      case 'per-visit':
        total += rule.points;
        break;
      case 'per-amount': {
        const paid = lines.reduce((s, l) => s + l.paidMinor, 0);
        total += Math.floor(paid / rule.perAmountMinor) * rule.points;
        break;
      }
    }
  }
  return total;
}

/**
 * The lines as paid outside the program's own points, which do not earn points again: points
 * paying for a line (a product bought with its points price) come off that line, points paying
 * part of the order come off every line in proportion to what it was paid. The parts add up
 * exactly, and no line goes below zero.
 */
export function paidOutsidePoints<L extends { lineId: string; paidMinor: number }>(lines: L[], payments: { method: string; amountMinor: number; ref?: string | undefined }[]): L[] {
  const points = payments.filter((p) => p.method === 'points');
  const onLine = (lineId: string) => points.filter((p) => p.ref === lineId).reduce((s, p) => s + p.amountMinor, 0);
  const afterLines = lines.map((l) => Math.max(0, l.paidMinor - onLine(l.lineId)));
  const onOrder = points.filter((p) => p.ref === undefined || !lines.some((l) => l.lineId === p.ref)).reduce((s, p) => s + p.amountMinor, 0);
  const shares = distribute(Math.min(onOrder, afterLines.reduce((s, x) => s + x, 0)), afterLines);
  return lines.map((l, i) => ({ ...l, paidMinor: (afterLines[i] ?? 0) - (shares[i] ?? 0) }));
}

/** Points to take back when part of an order is refunded: in proportion, rounded down, never more than earned. */
export function pointsToReverse(earned: number, alreadyReversed: number, totalPaidMinor: number, refundedMinor: number): number {
  if (totalPaidMinor <= 0) return Math.max(0, earned - alreadyReversed);
  const due = Math.floor((earned * Math.min(refundedMinor, totalPaidMinor)) / totalPaidMinor);
  return Math.max(0, Math.min(due, earned - alreadyReversed));
}

/** What points are worth in minor units, rounded down: a customer never gets more than the rate says. */
export function pointsValueMinor(points: number, numerator: number, denominator: number): number {
  return Math.floor((points * numerator) / denominator);
}

/** Points needed to cover an amount, rounded up so the amount is fully covered. */
export function pointsForAmount(amountMinor: number, numerator: number, denominator: number): number {
  return Math.ceil((amountMinor * denominator) / numerator);
}
