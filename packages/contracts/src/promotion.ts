import { z } from 'zod';
import { Currency, LocalizedText, Money, NonEmpty, Timestamp, Uuid } from './common';
import { defineEvent } from './envelope';
import { defineErrors } from './errors';
import { AppliedReduction, Funder, ProductFamily } from './events';
import { defineRequest, healthContract } from './rpc';

/** Subjects and events of the promotion service (seed 002: advantages, promo codes, single-use codes). */
export const promotionHealth = healthContract('promotion');

export const promotionErrors = defineErrors({
  PROMOTION_CODE_UNKNOWN: { status: 404, title: 'No advantage, promo code or single-use code has this code' },
  PROMOTION_CODE_NOT_AVAILABLE: { status: 409, title: 'The code is used, invalidated, held by another order, or does not apply to this cart' },
  PROMOTION_CODE_TAKEN: { status: 409, title: 'This access code is already used by another advantage or promo code' },
  PROMOTION_MIXED_CURRENCIES: { status: 422, title: 'The cart mixes currencies' },
  PROMOTION_QUOTA_EXHAUSTED: { status: 409, title: 'The advantage quota or promo-code uses are exhausted' },
  PROMOTION_PRICE_CHANGED: { status: 409, title: 'The cart no longer prices as expected; evaluate it again' },
  PROMOTION_INVALID_TRANSITION: { status: 409, title: 'Only draft → in operation → closed is allowed' },
  PROMOTION_NOT_SINGLE_USE: { status: 422, title: 'Codes can only be generated for an advantage whose target is single-use codes' },
  PROMOTION_NOT_CONTACTS_TARGET: { status: 422, title: 'Only an advantage whose target is a contact list has a target list' },
  PROMOTION_ADVANTAGE_CLOSED: { status: 409, title: 'The advantage or promo code is closed' },
  PROMOTION_FIELD_LOCKED: { status: 409, title: 'This field cannot change once the advantage or promo code is in operation' },
  PROMOTION_QUOTA_BELOW_TAKEN: { status: 409, title: 'The quota or maximum uses cannot go below what is already held or sold' },
  PROMOTION_HOLD_EXPIRED: { status: 409, title: 'The hold expired; place it again' },
  PROMOTION_HOLD_CAPTURED: { status: 409, title: 'The hold was captured; it cannot be released' },
  PROMOTION_HOLD_CLOSED: { status: 409, title: 'The hold was released or expired' },
  PROMOTION_IDEMPOTENCY_KEY_REQUIRED: { status: 400, title: 'This command needs an Idempotency-Key' },
});

/** Codes are compared without case, spaces or dashes: people type them from emails and paper. */
export const normalizeCode = (code: string): string => code.replace(/[\s-]+/g, '').toUpperCase();
export const CodeInput = z.string().min(3).max(64).transform(normalizeCode).pipe(z.string().min(3));

export const AdvantageState = z.enum(['draft', 'in-operation', 'closed']);
export type AdvantageState = z.infer<typeof AdvantageState>;

/** The five target types of seed 002. */
export const Target = z.discriminatedUnion('type', [
  z.object({ type: z.literal('public') }),
  z.object({ type: z.literal('indicator'), indicator: NonEmpty, level: NonEmpty }),
  z.object({ type: z.literal('partner'), accessCode: CodeInput }),
  z.object({ type: z.literal('contacts') }),
  z.object({ type: z.literal('single-use-codes') }),
]);
export type Target = z.output<typeof Target>;

/** Until when a performance's tickets may be sold with the advantage. */
export const EndOfSale = z.discriminatedUnion('rule', [
  z.object({ rule: z.literal('performance-end-of-sales') }),
  z.object({ rule: z.literal('performance-start-plus-tolerance'), toleranceMinutes: z.int().min(0).max(7 * 24 * 60) }),
  z.object({ rule: z.literal('no-limit') }),
]);
export type EndOfSale = z.infer<typeof EndOfSale>;

/** The special price of one product, optionally only for an audience subcategory and/or seat category. */
export const AdvantagePrice = z.object({
  productId: NonEmpty,
  audienceSubcategory: NonEmpty.nullable().default(null),
  seatCategory: NonEmpty.nullable().default(null),
  priceMinor: z.int().nonnegative(),
  currency: Currency,
});
export type AdvantagePrice = z.output<typeof AdvantagePrice>;

const Names = z.object({ internal: LocalizedText, public: LocalizedText });
/** null means every sales channel. */
const Channels = z.array(NonEmpty).min(1).nullable().default(null);

const Window = {
  validFrom: Timestamp.nullable().default(null),
  validUntil: Timestamp.nullable().default(null),
  endOfSale: EndOfSale.default({ rule: 'no-limit' }),
};

const windowInOrder = (v: { validFrom: string | null; validUntil: string | null }) =>
  !v.validFrom || !v.validUntil || Date.parse(v.validFrom) < Date.parse(v.validUntil);

export const AdvantageInput = z
  .object({
    season: NonEmpty,
    family: ProductFamily,
    names: Names,
    target: Target,
    channels: Channels,
    ...Window,
    quota: z.int().positive().nullable().default(null),
    fundedBy: Funder.default('organizer'),
    prices: z.array(AdvantagePrice).min(1).max(2000),
  })
  .refine(windowInOrder, { message: 'validFrom must be before validUntil', path: ['validUntil'] });

export const Advantage = z.object({
  advantageId: Uuid,
  season: z.string(),
  family: ProductFamily,
  state: AdvantageState,
  names: Names,
  target: Target,
  channels: z.array(z.string()).nullable(),
  validFrom: Timestamp.nullable(),
  validUntil: Timestamp.nullable(),
  endOfSale: EndOfSale,
  quota: z.int().nullable(),
  /** Units held or sold against the quota. */
  quotaTaken: z.int(),
  fundedBy: Funder,
  prices: z.array(AdvantagePrice),
});
export type Advantage = z.infer<typeof Advantage>;

export const PromoDiscount = z.discriminatedUnion('kind', [
  /** Basis points: 300 is 3 %, rounded half-even on each line. */
  z.object({ kind: z.literal('percent'), basisPoints: z.int().min(1).max(10_000) }),
  z.object({ kind: z.literal('fixed'), amount: Money.refine((m) => m.amountMinor > 0, 'must be positive') }),
]);
export type PromoDiscount = z.infer<typeof PromoDiscount>;

export const PromoCodeInput = z
  .object({
    accessCode: CodeInput,
    names: Names,
    discount: PromoDiscount,
    minCartAmount: Money.nullable().default(null),
    indicator: z.object({ indicator: NonEmpty, level: NonEmpty }).nullable().default(null),
    channels: Channels,
    ...Window,
    maxUses: z.int().positive().nullable().default(null),
    fundedBy: Funder.default('organizer'),
  })
  .refine(windowInOrder, { message: 'validFrom must be before validUntil', path: ['validUntil'] });

export const PromoCode = z.object({
  promoCodeId: Uuid,
  accessCode: z.string(),
  state: AdvantageState,
  names: Names,
  discount: PromoDiscount,
  minCartAmount: Money.nullable(),
  indicator: z.object({ indicator: z.string(), level: z.string() }).nullable(),
  channels: z.array(z.string()).nullable(),
  validFrom: Timestamp.nullable(),
  validUntil: Timestamp.nullable(),
  endOfSale: EndOfSale,
  maxUses: z.int().nullable(),
  usesTaken: z.int(),
  fundedBy: Funder,
});
export type PromoCode = z.infer<typeof PromoCode>;

export const CartLine = z.object({
  lineId: z.string().min(1).max(100),
  productId: NonEmpty,
  productFamily: ProductFamily,
  season: NonEmpty.optional(),
  performanceId: z.string().min(1).optional(),
  /** Needed by the end-of-sale rules; a line without them is not limited by those rules. */
  performanceStartsAt: Timestamp.optional(),
  performanceSalesEndAt: Timestamp.optional(),
  audienceSubcategory: NonEmpty.optional(),
  seatCategory: NonEmpty.optional(),
  unitPriceMinor: z.int().nonnegative(),
  currency: Currency,
  quantity: z.int().positive().max(1000),
});
export type CartLine = z.infer<typeof CartLine>;

export const CartContact = z.object({
  contactId: NonEmpty,
  /** Indicator → level as known now, e.g. { attendance: "regular" }. */
  indicators: z.record(z.string(), z.string()).default({}),
});

export const Cart = z
  .object({
    channel: NonEmpty,
    pointOfSale: NonEmpty.optional(),
    contact: CartContact.optional(),
    lines: z.array(CartLine).min(1).max(200),
    /** What the customer typed: partner access codes, single-use codes, promo codes. */
    codes: z.array(CodeInput).max(10).default([]),
  })
  .refine((c) => new Set(c.lines.map((l) => l.lineId)).size === c.lines.length, { message: 'lineId must be unique', path: ['lines'] });
export type Cart = z.output<typeof Cart>;

export const NotAppliedReason = z.enum([
  'not-in-operation',
  'other-season',
  'other-family',
  'channel-not-allowed',
  'not-yet-valid',
  'validity-ended',
  'sales-ended',
  'currency-mismatch',
  'indicator-level-not-met',
  'not-in-target-list',
  'access-code-required',
  'single-use-code-required',
  'no-saving',
  'quota-exhausted',
  'better-advantage-applied',
  'min-cart-not-reached',
  'uses-exhausted',
  'code-used',
  'code-invalidated',
  'code-held',
  'no-eligible-line',
  'nothing-unlocked',
]);
export type NotAppliedReason = z.infer<typeof NotAppliedReason>;

export const PricedLine = z.object({
  lineId: z.string(),
  quantity: z.int(),
  unitPriceMinor: z.int(),
  /** unitPriceMinor × quantity. */
  originalMinor: z.int(),
  /** What the line costs after the advantage and the promo codes; never below zero. */
  priceMinor: z.int(),
  advantageId: Uuid.nullable(),
  advantageUnitPriceMinor: z.int().nullable(),
  /** Who funds each reduction, so commissions are computed on what was really paid. */
  reductions: z.array(AppliedReduction),
});

export const Evaluation = z.object({
  currency: Currency,
  lines: z.array(PricedLine),
  totalBeforeMinor: z.int(),
  totalMinor: z.int(),
  advantages: z.array(z.object({ advantageId: Uuid, units: z.int(), lineIds: z.array(z.string()), singleUseCode: z.string().nullable() })),
  promoCodes: z.array(z.object({ promoCodeId: Uuid, accessCode: z.string(), amountMinor: z.int(), fundedBy: Funder })),
  /** Why advantages covering a line's product, and typed codes, did not apply. */
  notApplied: z.array(
    z.object({
      kind: z.enum(['advantage', 'promo-code', 'code']),
      ref: z.string(),
      lineId: z.string().nullable(),
      reason: NotAppliedReason,
    }),
  ),
});
export type Evaluation = z.infer<typeof Evaluation>;

export const OrderId = z.string().min(1).max(100);

// --- advantages ---------------------------------------------------------------------------------

export const createAdvantage = defineRequest('promotion.v1.advantages.create', AdvantageInput, Advantage);
/**
 * Edits an advantage. A draft can change in every respect but a partner target (its access code
 * is claimed; recreate the advantage instead). In operation, only what does not rewrite sales
 * already made: names, channels, the end of the window and the end-of-sale rule, prices, and the
 * quota, never below the units taken. A closed advantage does not change.
 */
export const updateAdvantage = defineRequest(
  'promotion.v1.advantages.update',
  z
    .object({
      advantageId: Uuid,
      season: NonEmpty.optional(),
      family: ProductFamily.optional(),
      names: Names.optional(),
      target: Target.optional(),
      channels: z.array(NonEmpty).min(1).nullable().optional(),
      validFrom: Timestamp.nullable().optional(),
      validUntil: Timestamp.nullable().optional(),
      endOfSale: EndOfSale.optional(),
      quota: z.int().positive().nullable().optional(),
      fundedBy: Funder.optional(),
      prices: z.array(AdvantagePrice).min(1).max(2000).optional(),
    })
    .strict(),
  Advantage,
);
export const getAdvantage = defineRequest('promotion.v1.advantages.get', z.object({ advantageId: Uuid }), Advantage);
export const listAdvantages = defineRequest(
  'promotion.v1.advantages.list',
  z.object({ season: NonEmpty.optional(), state: AdvantageState.optional() }),
  z.object({ advantages: z.array(Advantage) }),
);
/** draft → in-operation → closed; asking for the current state again changes nothing. */
export const transitionAdvantage = defineRequest(
  'promotion.v1.advantages.transition',
  z.object({ advantageId: Uuid, to: z.enum(['in-operation', 'closed']) }),
  Advantage,
);
/** Imports or changes the target list of a "contacts" advantage (a campaign's target list). */
export const changeTargetList = defineRequest(
  'promotion.v1.advantages.targets',
  z.object({
    advantageId: Uuid,
    mode: z.enum(['replace', 'add', 'remove']),
    contactIds: z.array(NonEmpty).max(50_000),
  }),
  z.object({ advantageId: Uuid, contacts: z.int() }),
);

// --- promo codes --------------------------------------------------------------------------------

export const createPromoCode = defineRequest('promotion.v1.promo-codes.create', PromoCodeInput, PromoCode);
/**
 * Edits a promo code. A draft can change in every respect, its access code included (when no
 * other advantage or promo code uses it). In operation, customers already have the code and its
 * terms: only names, channels, the end of the window and the end-of-sale rule, and the maximum
 * uses (never below the uses taken). A closed promo code does not change.
 */
export const updatePromoCode = defineRequest(
  'promotion.v1.promo-codes.update',
  z
    .object({
      promoCodeId: Uuid,
      accessCode: CodeInput.optional(),
      names: Names.optional(),
      discount: PromoDiscount.optional(),
      minCartAmount: Money.nullable().optional(),
      indicator: z.object({ indicator: NonEmpty, level: NonEmpty }).nullable().optional(),
      channels: z.array(NonEmpty).min(1).nullable().optional(),
      validFrom: Timestamp.nullable().optional(),
      validUntil: Timestamp.nullable().optional(),
      endOfSale: EndOfSale.optional(),
      maxUses: z.int().positive().nullable().optional(),
      fundedBy: Funder.optional(),
    })
    .strict(),
  PromoCode,
);
export const getPromoCode = defineRequest('promotion.v1.promo-codes.get', z.object({ promoCodeId: Uuid }), PromoCode);
export const listPromoCodes = defineRequest(
  'promotion.v1.promo-codes.list',
  z.object({ state: AdvantageState.optional() }),
  z.object({ promoCodes: z.array(PromoCode) }),
);
export const transitionPromoCode = defineRequest(
  'promotion.v1.promo-codes.transition',
  z.object({ promoCodeId: Uuid, to: z.enum(['in-operation', 'closed']) }),
  PromoCode,
);

// --- evaluation and holds (called by the gateway's checkout) ------------------------------------

/** Read-only quote: which advantages and promo codes apply, each line's price, and why others do not. */
export const evaluateCart = defineRequest('promotion.v1.carts.evaluate', z.object({ cart: Cart }), Evaluation, { together: true });

/**
 * Evaluates the cart again and holds what it uses (quota units, the single-use code, promo-code
 * uses) for the order until `holdExpiresAt`. All or nothing; every typed code must take effect.
 * Idempotent by order id: a repeat returns the first reply.
 */
export const placeHold = defineRequest(
  'promotion.v1.holds.place',
  z.object({
    orderId: OrderId,
    cart: Cart,
    /** The quote's total; when the cart now prices differently the hold is refused. */
    expectedTotalMinor: z.int().nonnegative().optional(),
    ttlSeconds: z.int().min(1).max(3600).default(900),
  }),
  Evaluation.extend({ orderId: OrderId, holdExpiresAt: Timestamp }),
);

export const HoldsReply = z.object({
  orderId: OrderId,
  state: z.enum(['captured', 'released']),
  holds: z.array(z.object({ kind: z.enum(['advantage', 'single-use-code', 'promo-code']), ref: z.string(), units: z.int() })),
});
export const captureHold = defineRequest('promotion.v1.holds.capture', z.object({ orderId: OrderId }), HoldsReply);
export const releaseHold = defineRequest('promotion.v1.holds.release', z.object({ orderId: OrderId }), HoldsReply);

// --- single-use codes ---------------------------------------------------------------------------

export const CodeState = z.enum(['available', 'held', 'used', 'invalidated']);

export const CodeBatch = z.object({
  batchId: Uuid,
  advantageId: Uuid,
  contactId: z.string(),
  count: z.int(),
  generated: z.int(),
  state: z.enum(['generating', 'ready']),
  locale: z.string(),
  destination: z.enum(['email-list', 'download']),
  createdAt: Timestamp,
});

/**
 * Generates `count` codes for an advantage on behalf of a requesting contact. Up to 50,000 are
 * written before the reply; the rest follow in the background and `evt.promotion.codes-generated`
 * says when the batch is complete. Needs an Idempotency-Key.
 */
export const generateCodes = defineRequest(
  'promotion.v1.codes.generate',
  z.object({
    advantageId: Uuid,
    contactId: NonEmpty,
    count: z.int().min(1).max(1_000_000),
    locale: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/).default('fr'),
    destination: z.enum(['email-list', 'download']).default('email-list'),
    note: z.string().max(500).optional(),
  }),
  CodeBatch,
);
export const getCodeBatch = defineRequest('promotion.v1.code-batches.get', z.object({ batchId: Uuid }), CodeBatch);

/** The batch as CSV (code,state,generated_at), page by page in generation order. */
export const downloadCodeBatch = defineRequest(
  'promotion.v1.code-batches.csv',
  z.object({ batchId: Uuid, afterSeq: z.int().nonnegative().default(0), limit: z.int().min(1).max(20_000).default(10_000) }),
  z.object({ batchId: Uuid, csv: z.string(), rows: z.int(), nextAfterSeq: z.int().nullable() }),
);

export const CodeTracking = z.object({
  code: z.string(),
  advantageId: Uuid,
  batchId: Uuid,
  requestedBy: z.string(),
  state: CodeState,
  generatedAt: Timestamp,
  usedAt: Timestamp.nullable(),
  usedBy: z.string().nullable(),
  orderId: z.string().nullable(),
  invalidatedAt: Timestamp.nullable(),
  ticketsScanned: z.int(),
});
export const getCode = defineRequest('promotion.v1.codes.get', z.object({ code: CodeInput }), CodeTracking);
export const listCodes = defineRequest(
  'promotion.v1.codes.list',
  z.object({
    batchId: Uuid,
    state: CodeState.optional(),
    afterSeq: z.int().nonnegative().default(0),
    limit: z.int().min(1).max(1000).default(100),
  }),
  z.object({ codes: z.array(CodeTracking.extend({ seq: z.int() })), nextAfterSeq: z.int().nullable() }),
);

/** Invalidates listed codes, or every still-available code of a batch. Used codes stay used. */
export const invalidateCodes = defineRequest(
  'promotion.v1.codes.invalidate',
  z.union([
    z.object({ codes: z.array(CodeInput).min(1).max(10_000) }).strict(),
    z.object({ batchId: Uuid }).strict(),
  ]),
  z.object({ invalidated: z.int(), skipped: z.array(z.object({ code: z.string(), state: CodeState })) }),
);

const DashboardCounts = z.object({
  generated: z.int(),
  available: z.int(),
  used: z.int(),
  ticketsScanned: z.int(),
  invalidated: z.int(),
});
/** The code dashboard of a season: per advantage, optionally per requesting contact, with totals. */
export const codeDashboard = defineRequest(
  'promotion.v1.dashboard.get',
  z.object({ season: NonEmpty, perContact: z.boolean().default(true) }),
  z.object({
    season: z.string(),
    rows: z.array(DashboardCounts.extend({ contactId: z.string().nullable(), advantageId: Uuid, advantageName: LocalizedText })),
    totals: DashboardCounts,
  }),
);

// --- events ---------------------------------------------------------------------------------------

/** A batch is complete: a mailer sends the list by fetching `promotion.v1.code-batches.csv` pages. */
export const CodesGenerated = defineEvent(
  'evt.promotion.codes-generated',
  z.object({
    batchId: Uuid,
    advantageId: Uuid,
    contactId: z.string(),
    count: z.int(),
    locale: z.string(),
    destination: z.enum(['email-list', 'download']),
    csvSubject: z.literal('promotion.v1.code-batches.csv'),
  }),
);

/** An order captured its holds: the single-use codes are used, quota units and promo uses sold. */
export const PromotionHoldsCaptured = defineEvent(
  'evt.promotion.holds-captured',
  z.object({
    orderId: OrderId,
    contactId: z.string().nullable(),
    advantageIds: z.array(Uuid),
    promoCodeIds: z.array(Uuid),
    singleUseCodes: z.array(z.string()),
    capturedAt: Timestamp,
  }),
);
