import { AppliedReduction, CartLine, Currency, NonEmpty, SeatRef, Timestamp } from '@tlp/contracts';
import { z } from 'zod';

/** A cart line as the webshop or the till sends it; the currency is the cart's. */
export const CheckoutLine = CartLine.omit({ currency: true }).extend({
  sectionId: NonEmpty.optional(),
  seats: z.array(SeatRef).max(50).default([]),
  beneficiaryContactId: NonEmpty.optional(),
});

/** How the customer chooses to pay part of the order; the rest is due by card or cash. */
export const PaymentChoice = z
  .object({
    points: z.object({ points: z.int().positive(), programId: NonEmpty.optional() }).optional(),
    /** Lines bought with the product's price in points (seed 001) rather than money. */
    linesInPoints: z.array(NonEmpty).max(50).default([]),
    vouchers: z
      .array(z.object({ code: z.string().trim().min(8).max(40), pin: z.string().regex(/^[0-9]{4,8}$/).optional(), amountMinor: z.int().positive() }))
      .max(5)
      .default([]),
    creditNoteMinor: z.int().positive().optional(),
    partnerPoints: z.object({ partnerId: z.uuid(), amountMinor: z.int().positive() }).optional(),
  })
  .strict();

export const CheckoutCart = z
  .object({
    channel: NonEmpty,
    pointOfSale: NonEmpty.optional(),
    currency: Currency,
    /** The customer; for a fan's own token it is taken from the token and may be left out. */
    contactId: NonEmpty.optional(),
    /** The contact's indicator levels as the ticketing system knows them (e.g. { attendance: "regular" }). */
    indicators: z.record(z.string(), z.string()).default({}),
    lines: z.array(CheckoutLine).min(1).max(200),
    codes: z.array(z.string().trim().min(3).max(64)).max(10).default([]),
    pay: PaymentChoice.default({ vouchers: [], linesInPoints: [] }),
  })
  .strict()
  .refine((c) => new Set(c.lines.map((l) => l.lineId)).size === c.lines.length, { message: 'lineId must be unique', path: ['lines'] })
  .refine((c) => c.pay.linesInPoints.every((id) => c.lines.some((l) => l.lineId === id)), { message: 'every line bought in points must be a line of the cart', path: ['pay', 'linesInPoints'] });
export type CheckoutCart = z.output<typeof CheckoutCart>;

export const PaymentLine = z.object({
  method: z.enum(['points', 'voucher', 'credit-note', 'partner-points']),
  amountMinor: z.int().positive(),
  ref: z.string().optional(),
  points: z.int().optional(),
});
export type PaymentLine = z.infer<typeof PaymentLine>;

export const QuotedLine = z.object({
  lineId: z.string(),
  productId: z.string(),
  quantity: z.int(),
  unitPriceMinor: z.int(),
  originalMinor: z.int(),
  /** After advantages, promo codes and rewards; never below zero. */
  priceMinor: z.int(),
  reductions: z.array(AppliedReduction.extend({ label: z.string().optional() })),
});
export type QuotedLine = z.infer<typeof QuotedLine>;

export const Quote = z.object({
  currency: Currency,
  lines: z.array(QuotedLine),
  subtotalMinor: z.int(),
  discountMinor: z.int(),
  /** After advantages and promo codes, before loyalty rewards: what the promotion service holds. */
  totalBeforeRewardsMinor: z.int(),
  totalMinor: z.int(),
  payments: z.array(PaymentLine),
  amountDueMinor: z.int(),
  notApplied: z.array(z.object({ kind: z.string(), ref: z.string(), lineId: z.string().nullable(), reason: z.string() })),
  /** What the customer has, in their own wording and in money, for the tooltip at checkout. */
  balances: z.object({
    /** `wording` is the program's English word (else its first) in the form `points` takes: "1 star", "2 stars". */
    points: z.object({ points: z.int(), valueMinor: z.int(), wording: z.string() }).nullable(),
    creditNoteMinor: z.int(),
    /** The voucher service did not answer: the credit note's balance is unknown (not zero) in this quote. */
    creditNoteUnavailable: z.boolean().default(false),
    partners: z.array(z.object({ partnerId: z.string(), points: z.int(), valueMinor: z.int(), stale: z.boolean() })),
    /** Partners that did not answer and gave no balance before: the fan is told, not shown a zero. */
    partnersUnavailable: z.array(z.string()),
  }),
  rewards: z.array(z.object({ rewardId: z.string(), name: z.string(), amountMinor: z.int() })),
  pointsEarnable: z.int(),
});
export type Quote = z.infer<typeof Quote>;

export const CheckoutView = z.object({
  orderId: z.string(),
  state: z.enum(['holding', 'held', 'failed', 'confirming', 'confirmed', 'cancelling', 'cancelled', 'expired']),
  holdExpiresAt: Timestamp,
  quote: Quote,
  steps: z.array(z.object({ step: z.string(), state: z.string() })),
});
export type CheckoutView = z.infer<typeof CheckoutView>;

export const RefundRequest = z
  .object({
    refundId: NonEmpty,
    lines: z.array(z.object({ lineId: NonEmpty, amountMinor: z.int().positive() })).min(1),
    /** How the refund is paid back; the parts add up to the refunded amount. Points go through the credit note (seed 000). */
    split: z
      .object({
        original: z.int().nonnegative().default(0),
        creditNote: z.int().nonnegative().default(0),
        points: z.int().nonnegative().default(0),
        partnerPoints: z.int().nonnegative().default(0),
      })
      .strict(),
  })
  .strict();
export type RefundRequest = z.output<typeof RefundRequest>;

/**
 * Payments chosen against the total: each must be positive, and together they may not exceed
 * what is due, so nobody pays 110% of an order with points and a voucher.
 */
export function allocatePayments(totalMinor: number, payments: PaymentLine[]): { amountDueMinor: number; overBy: number } {
  const paid = payments.reduce((sum, p) => sum + p.amountMinor, 0);
  return { amountDueMinor: Math.max(0, totalMinor - paid), overBy: Math.max(0, paid - totalMinor) };
}

export type RefundedReduction = z.infer<typeof AppliedReduction> & { lineId: string };

/**
 * The reductions a refund gives back, for commissions on what was really paid (seed 003): each
 * reduction of a refunded line in the share of the line's price refunded. Rounding is cumulative
 * (what all refunds up to this one give back, less what earlier ones gave back), so a line
 * refunded in several parts gives back exactly its reductions.
 */
export function refundedReductions(
  lines: Pick<QuotedLine, 'lineId' | 'priceMinor' | 'reductions'>[],
  earlier: ReadonlyMap<string, number>,
  refunded: { lineId: string; amountMinor: number }[],
): RefundedReduction[] {
  const out: RefundedReduction[] = [];
  for (const r of refunded) {
    const line = lines.find((l) => l.lineId === r.lineId);
    if (!line || line.priceMinor <= 0) continue;
    const before = earlier.get(r.lineId) ?? 0;
    const share = (amount: number, refundedSoFar: number) => Math.floor((amount * Math.min(refundedSoFar, line.priceMinor)) / line.priceMinor);
    for (const { label: _label, ...reduction } of line.reductions) {
      const amountMinor = share(reduction.amountMinor, before + r.amountMinor) - share(reduction.amountMinor, before);
      if (amountMinor > 0) out.push({ ...reduction, amountMinor, lineId: r.lineId });
    }
  }
  return out;
}
