import { z } from 'zod';
import { Currency, Timestamp } from './common';
import { defineEvent } from './envelope';

/**
 * Facts from the ticketing system around us (orders, scans, contacts). The gateway's checkout
 * publishes the order events; the others come from ticketing and access control.
 */
export const ProductFamily = z.enum([
  'season-ticket',
  'membership',
  'voucher',
  'experience-voucher',
  'competition',
  'event',
  'package',
  'dated-pass',
  'timed-pass',
  'undated-pass',
  'service',
  'visit',
]);
export type ProductFamily = z.infer<typeof ProductFamily>;

/** Who pays for a reduction, so commissions are computed on what was really paid (seed 003). */
export const Funder = z.enum(['organizer', 'promoter', 'partner']);

export const AppliedReduction = z.object({
  source: z.enum(['advantage', 'promo-code', 'reward', 'single-use-code']),
  ref: z.string(),
  amountMinor: z.int().nonnegative(),
  fundedBy: Funder,
});

export const SeatRef = z.object({
  physicalConfigurationId: z.string(),
  performanceId: z.string(),
  area: z.string(),
  row: z.string(),
  number: z.string(),
});

export const OrderLine = z.object({
  lineId: z.string().min(1),
  productId: z.string().min(1),
  productFamily: ProductFamily,
  performanceId: z.string().optional(),
  sectionId: z.string().optional(),
  audienceSubcategory: z.string().optional(),
  seatCategory: z.string().optional(),
  quantity: z.int().positive(),
  unitPriceMinor: z.int().nonnegative(),
  /** What the customer paid for the line after every reduction. */
  paidMinor: z.int().nonnegative(),
  reductions: z.array(AppliedReduction).default([]),
  seats: z.array(SeatRef).default([]),
  /** For season tickets bought for several people: the cultural contact of this line. */
  beneficiaryContactId: z.string().optional(),
});
export type OrderLine = z.infer<typeof OrderLine>;

export const PaymentMethod = z.enum(['card', 'cash', 'points', 'voucher', 'credit-note', 'partner-points']);
export const Payment = z.object({ method: PaymentMethod, amountMinor: z.int().nonnegative(), ref: z.string().optional() });

export const OrderCompleted = defineEvent(
  'evt.order.completed',
  z.object({
    orderId: z.string().min(1),
    contactId: z.string().optional(),
    channel: z.string().min(1),
    pointOfSale: z.string().optional(),
    currency: Currency,
    totalPaidMinor: z.int().nonnegative(),
    lines: z.array(OrderLine).min(1),
    payments: z.array(Payment).default([]),
    completedAt: Timestamp,
  }),
);

export const OrderRefunded = defineEvent(
  'evt.order.refunded',
  z.object({
    orderId: z.string().min(1),
    refundId: z.string().min(1),
    contactId: z.string().optional(),
    currency: Currency,
    /** Refunded amount per line; loyalty reverses earned points in the same proportion. */
    lines: z.array(z.object({ lineId: z.string(), amountMinor: z.int().nonnegative() })).min(1),
    totalRefundedMinor: z.int().nonnegative(),
    split: z.array(Payment).default([]),
    reductions: z.array(AppliedReduction.extend({ lineId: z.string() })).default([]),
    refundedAt: Timestamp,
  }),
);

export const TicketScanned = defineEvent(
  'evt.ticket.scanned',
  z.object({
    ticketId: z.string().min(1),
    orderId: z.string().optional(),
    contactId: z.string().optional(),
    performanceId: z.string().min(1),
    productId: z.string().min(1),
    /** Set when the ticket was sold with an advantage or a single-use code: feeds the code dashboard. */
    advantageId: z.string().optional(),
    singleUseCode: z.string().optional(),
    scannedAt: Timestamp,
  }),
);

export const ContactRegistered = defineEvent(
  'evt.contact.registered',
  z.object({
    contactId: z.string().min(1),
    email: z.email().optional(),
    phone: z.string().optional(),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    locale: z.string().optional(),
    seasonTicketHolder: z.boolean().default(false),
  }),
);
