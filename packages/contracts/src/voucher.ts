import { defineErrors } from './errors';
import { defineRequest, healthContract } from './rpc';
import { z } from 'zod';
import { Currency, NonEmpty, Timestamp } from './common';
import { defineEvent } from './envelope';
/** Subjects and events of the voucher service. */
export const voucherHealth = healthContract('voucher');

export const voucherErrors = defineErrors({
  VOUCHER_NOT_FOUND: { status: 404, title: 'No voucher with this code' },
  VOUCHER_PIN_REQUIRED: { status: 401, title: 'This voucher needs its PIN' },
  VOUCHER_PIN_INVALID: { status: 401, title: 'Wrong PIN for this voucher' },
  VOUCHER_PIN_LOCKED: { status: 423, title: 'Too many wrong PINs: the voucher is locked for a while' },
  VOUCHER_EXPIRED: { status: 410, title: 'The voucher has expired' },
  VOUCHER_NOT_YET_VALID: { status: 409, title: 'The voucher is not valid yet' },
  VOUCHER_CANCELLED: { status: 410, title: 'The voucher was cancelled' },
  VOUCHER_CURRENCY_MISMATCH: { status: 422, title: 'The currency differs from the voucher or credit note' },
  VOUCHER_INSUFFICIENT_BALANCE: { status: 409, title: 'The balance is too low for this amount' },
  VOUCHER_WRONG_KIND: { status: 422, title: 'This voucher cannot be used this way (financial vs experience)' },
  VOUCHER_HOLD_NOT_FOUND: { status: 404, title: 'No hold for this order' },
  VOUCHER_HOLD_EXPIRED: { status: 409, title: 'The hold expired before it was captured' },
  VOUCHER_HOLD_RELEASED: { status: 409, title: 'The hold was released' },
  VOUCHER_HOLD_CAPTURED: { status: 409, title: 'The hold was already captured' },
  VOUCHER_HOLD_MISMATCH: { status: 422, title: 'This order already holds another amount on this voucher' },
  VOUCHER_ORDER_RELEASED: { status: 409, title: 'This order was released: a new checkout needs a new order' },
  VOUCHER_VAT_TIMING_NOT_SET: { status: 409, title: 'Choose when VAT is computed before selling experience vouchers' },
  VOUCHER_OPEN_PRODUCT_MISSING: { status: 409, title: 'No open product for this VAT code and season' },
  VOUCHER_ALREADY_REDEEMED: { status: 409, title: 'The experience voucher was already redeemed' },
  CREDIT_NOTE_NOT_FOUND: { status: 404, title: 'The contact has no credit note in this currency' },
});

/** What people type: case, spaces and dashes do not matter. */
const Code = z.string().trim().min(8).max(40);
const Pin = z.string().regex(/^[0-9]{4,8}$/, '4 to 8 digits');
const Amount = z.int().positive().max(Number.MAX_SAFE_INTEGER);
const Key = z.string().trim().min(1).max(200);
const Bp = z.int().min(0).max(10_000);

export const VoucherKind = z.enum(['financial', 'experience']);
export const VoucherStatus = z.enum(['active', 'redeemed', 'expired', 'cancelled']);
export const VatTiming = z.enum(['at-sale', 'at-redemption']);
export type VatTiming = z.infer<typeof VatTiming>;

/** What an experience voucher grants: for now one event ticket product. */
export const ExperienceGrant = z.object({
  productId: NonEmpty,
  performanceId: NonEmpty.optional(),
  audienceSubcategory: NonEmpty,
  seatCategory: NonEmpty,
  quantity: z.int().positive().max(50),
});
export type ExperienceGrant = z.infer<typeof ExperienceGrant>;

/**
 * One accounting line, signed: positive credits revenue/VAT, negative debits the open product
 * (or defers the sale as a liability). The lines of one phase sum to zero or to the amount paid.
 */
export const AccountingLine = z.object({
  phase: z.enum(['sale', 'redemption']),
  kind: z.enum(['revenue', 'vat', 'deferred-revenue', 'open-product']),
  ref: z.string(),
  vatCode: z.string(),
  amountMinor: z.int(),
  currency: Currency,
});
export type AccountingLine = z.infer<typeof AccountingLine>;

export const LedgerEntryType = z.enum(['sale', 'credit', 'hold', 'release', 'capture', 'expiry', 'cancellation', 'conversion']);
export const LedgerEntry = z.object({
  id: z.string(),
  type: LedgerEntryType,
  /** Signed change of the available balance; a capture changes nothing (the hold already took it). */
  deltaMinor: z.int(),
  balanceAfterMinor: z.int().nonnegative(),
  orderId: z.string().nullable(),
  ref: z.string().nullable(),
  at: Timestamp,
});

export const HoldView = z.object({
  holdId: z.string(),
  orderId: z.string(),
  accountId: z.string(),
  amountMinor: z.int().positive(),
  currency: Currency,
  status: z.enum(['held', 'captured', 'released']),
  expiresAt: Timestamp,
  /** Available balance after the hold (what the customer still has to spend). */
  balanceMinor: z.int().nonnegative(),
});

export const VoucherView = z.object({
  voucherId: z.string(),
  kind: VoucherKind,
  status: VoucherStatus,
  /** Last four characters only: the full code is shown once, at sale. */
  codeHint: z.string(),
  currency: Currency,
  faceValueMinor: z.int().nonnegative(),
  /** Available balance; always 0 for an experience voucher, which grants a ticket, not money. */
  balanceMinor: z.int().nonnegative(),
  heldMinor: z.int().nonnegative(),
  validFrom: Timestamp,
  validUntil: Timestamp,
  pinProtected: z.boolean(),
  contactId: z.string().nullable(),
  grant: ExperienceGrant.nullable(),
});

// ---- set-up (back office) ----

export const voucherSettingsSet = defineRequest(
  'voucher.v1.settings.set',
  z.object({ vatTiming: VatTiming }).strict(),
  z.object({ vatTiming: VatTiming }),
);
export const voucherSettingsGet = defineRequest(
  'voucher.v1.settings.get',
  z.object({}).strict(),
  z.object({ vatTiming: VatTiming.nullable() }),
);
export const OpenProduct = z.object({ season: NonEmpty, vatCode: NonEmpty, vatRateBp: Bp, openProductId: NonEmpty });
export const voucherOpenProductsSet = defineRequest('voucher.v1.open-products.set', OpenProduct.strict(), OpenProduct);
export const voucherOpenProductsList = defineRequest(
  'voucher.v1.open-products.list',
  z.object({ season: NonEmpty.optional() }).strict(),
  z.object({ openProducts: z.array(OpenProduct) }),
);

// ---- financial vouchers ----

const SaleCommon = {
  /** The sale's idempotency key (order id + line): a repeat returns the same voucher and code. */
  saleId: Key,
  currency: Currency,
  validFrom: Timestamp.optional(),
  validUntil: Timestamp,
  pin: Pin.optional(),
  contactId: Key.optional(),
  orderId: Key.optional(),
};
const SoldVoucher = VoucherView.extend({ code: z.string() });

export const vouchersSell = defineRequest(
  'voucher.v1.vouchers.sell',
  z.object({ ...SaleCommon, valueMinor: Amount }).strict(),
  SoldVoucher,
);
export const vouchersBalance = defineRequest(
  'voucher.v1.vouchers.balance',
  z.object({ code: Code, pin: Pin.optional() }).strict(),
  VoucherView,
);
export const vouchersGet = defineRequest('voucher.v1.vouchers.get', z.object({ voucherId: Key }).strict(), VoucherView);
/** A contact's vouchers ("my vouchers"), soonest to expire first; codes are never listed, only their hints. */
export const vouchersOfContact = defineRequest(
  'voucher.v1.vouchers.of-contact',
  z.object({ contactId: Key, status: z.enum(['active', 'redeemed', 'expired', 'cancelled']).optional() }).strict(),
  z.object({ vouchers: z.array(VoucherView) }),
);
export const vouchersHistory = defineRequest(
  'voucher.v1.vouchers.history',
  z.object({ voucherId: Key }).strict(),
  z.object({ voucher: VoucherView, entries: z.array(LedgerEntry), holds: z.array(HoldView), accounting: z.array(AccountingLine) }),
);
/** Checkout: reserves part of the balance for an order until it is captured, released or expires. */
export const vouchersHold = defineRequest(
  'voucher.v1.vouchers.hold',
  z
    .object({
      orderId: Key,
      code: Code,
      pin: Pin.optional(),
      amountMinor: Amount,
      currency: Currency,
      /** Defaults to the service's VOUCHER_HOLD_TTL_MS. */
      ttlSeconds: z.int().min(1).max(3600).optional(),
    })
    .strict(),
  HoldView,
);
/** By order; `voucherId` narrows to one voucher when an order used several. Repeats change nothing. */
const SettleHolds = z.object({ orderId: Key, voucherId: Key.optional() }).strict();
const SettledHolds = z.object({ holds: z.array(HoldView) });
export const vouchersCapture = defineRequest('voucher.v1.vouchers.capture', SettleHolds, SettledHolds);
export const vouchersRelease = defineRequest('voucher.v1.vouchers.release', SettleHolds, SettledHolds);
export const vouchersCancel = defineRequest(
  'voucher.v1.vouchers.cancel',
  z.object({ voucherId: Key, reason: NonEmpty }).strict(),
  VoucherView,
);

// ---- experience vouchers ----

export const experienceSell = defineRequest(
  'voucher.v1.experience.sell',
  z
    .object({
      ...SaleCommon,
      priceMinor: z.int().nonnegative().max(Number.MAX_SAFE_INTEGER),
      season: NonEmpty,
      vatCode: NonEmpty,
      /** The rate of `vatCode` today, in basis points (2.5% = 250): used when VAT is computed at sale. */
      vatRateBp: Bp,
      grant: ExperienceGrant,
    })
    .strict(),
  SoldVoucher.extend({ accounting: z.array(AccountingLine) }),
);
export const experienceRedeem = defineRequest(
  'voucher.v1.experience.redeem',
  z.object({ code: Code, pin: Pin.optional(), redemptionId: Key, orderId: Key.optional() }).strict(),
  z.object({ voucherId: z.string(), grant: ExperienceGrant, accounting: z.array(AccountingLine) }),
);

// ---- credit notes ----

export const CreditNoteView = z.object({
  creditNoteId: z.string(),
  contactId: z.string(),
  currency: Currency,
  balanceMinor: z.int().nonnegative(),
  heldMinor: z.int().nonnegative(),
});
/** A refund paid to the contact's credit note (created on first use); `refundId` is the idempotency key. */
export const creditNotesCredit = defineRequest(
  'voucher.v1.credit-notes.credit',
  z.object({ refundId: Key, contactId: Key, amountMinor: Amount, currency: Currency, orderId: Key.optional() }).strict(),
  CreditNoteView,
);
export const creditNotesGet = defineRequest(
  'voucher.v1.credit-notes.get',
  z.object({ contactId: Key, currency: Currency }).strict(),
  CreditNoteView.extend({ entries: z.array(LedgerEntry) }),
);
/**
 * What a contact's credit note can pay now in a currency, for a checkout's quote: 0 when the
 * contact has none in that currency (no refusal: a quote asks it for every fan).
 */
export const creditNotesBalance = defineRequest(
  'voucher.v1.credit-notes.balance',
  z.object({ contactId: Key, currency: Currency }).strict(),
  z.object({ currency: Currency, balanceMinor: z.int().nonnegative() }),
  { together: true },
);
export const creditNotesHold = defineRequest(
  'voucher.v1.credit-notes.hold',
  z
    .object({ orderId: Key, contactId: Key, amountMinor: Amount, currency: Currency, ttlSeconds: z.int().min(1).max(3600).optional() })
    .strict(),
  HoldView,
);
const SettleCreditNoteHolds = z.object({ orderId: Key }).strict();
export const creditNotesCapture = defineRequest('voucher.v1.credit-notes.capture', SettleCreditNoteHolds, SettledHolds);
export const creditNotesRelease = defineRequest('voucher.v1.credit-notes.release', SettleCreditNoteHolds, SettledHolds);
/**
 * Part of the credit note refunded in loyalty points (seed 000's intermediate step).
 * `conversionId` is the idempotency key and the seed of the event id.
 */
export const creditNotesConvert = defineRequest(
  'voucher.v1.credit-notes.convert',
  z
    .object({ conversionId: Key, contactId: Key, amountMinor: Amount, currency: Currency, programId: Key.optional() })
    .strict(),
  CreditNoteView.extend({ conversionId: z.string(), eventId: z.string() }),
);

// ---- events ----

export const VoucherSold = defineEvent(
  'evt.voucher.sold',
  z.object({
    voucherId: z.string(),
    kind: VoucherKind,
    valueMinor: z.int().nonnegative(),
    currency: Currency,
    validUntil: Timestamp,
    contactId: z.string().optional(),
    orderId: z.string().optional(),
    grant: ExperienceGrant.optional(),
  }),
);
/** A financial voucher paid part of an order (capture), or an experience voucher was redeemed. */
export const VoucherRedeemed = defineEvent(
  'evt.voucher.redeemed',
  z.object({
    voucherId: z.string(),
    kind: VoucherKind,
    orderId: z.string().optional(),
    amountMinor: z.int().nonnegative(),
    currency: Currency,
    grant: ExperienceGrant.optional(),
  }),
);
export const VoucherExpired = defineEvent(
  'evt.voucher.expired',
  z.object({ voucherId: z.string(), kind: VoucherKind, forfeitedMinor: z.int().nonnegative(), currency: Currency }),
);
/** Every change of a voucher's or credit note's available balance, with the ledger entry behind it. */
export const BalanceChanged = defineEvent(
  'evt.voucher.balance-changed',
  z.object({
    accountId: z.string(),
    accountKind: z.enum(['voucher', 'credit-note']),
    contactId: z.string().optional(),
    entryId: z.string(),
    entryType: LedgerEntryType,
    deltaMinor: z.int(),
    balanceMinor: z.int().nonnegative(),
    currency: Currency,
    orderId: z.string().optional(),
  }),
);

/**
 * Part of a credit note turned into loyalty points (seed 000's intermediate step). The voucher
 * service debits the credit note and emits this in one transaction; loyalty credits the points
 * once per event id (derived from the conversion, so a retried step carries the same id).
 */
export const CreditNoteConverted = defineEvent(
  'evt.voucher.credit-note-converted',
  z.object({
    conversionId: z.string().min(1),
    creditNoteId: z.string().min(1),
    contactId: z.string().min(1),
    /** The loyalty program to credit; the tenant's default active program when absent. */
    programId: z.string().optional(),
    amountMinor: z.int().positive(),
    currency: Currency,
  }),
);
