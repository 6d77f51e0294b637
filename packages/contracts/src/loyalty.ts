import { z } from 'zod';
import { Currency, Money, NonEmpty, patchOf, Points, PointsWording, Timestamp, Uuid } from './common';
import { defineEvent } from './envelope';
import { defineErrors } from './errors';
import { ProductFamily } from './events';
import { defineRequest, healthContract } from './rpc';

/** Subjects and events of the loyalty service. */
export const loyaltyHealth = healthContract('loyalty');

export const loyaltyErrors = defineErrors({
  PROGRAM_NOT_FOUND: { status: 404, title: 'No such loyalty program' },
  PROGRAM_INACTIVE: { status: 409, title: 'The loyalty program is not active' },
  ACCOUNT_NOT_FOUND: { status: 404, title: 'No loyalty account for this contact' },
  INSUFFICIENT_POINTS: { status: 409, title: 'Not enough points' },
  POINTS_HOLD_NOT_FOUND: { status: 404, title: 'No points hold for this order' },
  POINTS_HOLD_EXPIRED: { status: 409, title: 'The points hold expired before it was captured' },
  POINTS_HOLD_CLOSED: { status: 409, title: 'The points hold was already released or captured' },
  REWARD_NOT_FOUND: { status: 404, title: 'No such reward' },
  REWARD_NOT_ELIGIBLE: { status: 409, title: 'The contact does not meet the reward criteria' },
  PRODUCT_NOT_PRICED_IN_POINTS: { status: 422, title: 'This product has no price in points in the loyalty program' },
  REWARD_ALREADY_USED: { status: 409, title: 'This one-time reward is already used or held by another order' },
  REWARD_HOLD_NOT_FOUND: { status: 404, title: 'No reward hold for this order' },
  REWARD_HOLD_EXPIRED: { status: 409, title: 'The reward hold expired before it was captured' },
  REWARD_HOLD_CLOSED: { status: 409, title: 'The rewards of this order were already released' },
});

// --- programs -------------------------------------------------------------------------------------

/** Earning (seed 001): per product, per section, per visit, per amount spent, each optionally limited. */
export const EarnRule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('per-product'), productId: NonEmpty, points: Points }),
  z.object({ kind: z.literal('per-section'), sectionId: NonEmpty, points: Points }),
  z.object({ kind: z.literal('per-visit'), points: Points }),
  /** `points` for every `perAmountMinor` paid, rounded down. */
  z.object({ kind: z.literal('per-amount'), points: Points, perAmountMinor: z.int().positive() }),
]);
export const EarnScope = z.object({
  productIds: z.array(NonEmpty).nullable().default(null),
  families: z.array(ProductFamily).nullable().default(null),
  channels: z.array(NonEmpty).nullable().default(null),
  pointsOfSale: z.array(NonEmpty).nullable().default(null),
});
export const ScopedEarnRule = z.intersection(EarnRule, z.object({ scope: EarnScope.default({ productIds: null, families: null, channels: null, pointsOfSale: null }) }));
export type ScopedEarnRule = z.output<typeof ScopedEarnRule>;

export const Criterion = z.enum(['total-spending', 'tickets-purchased', 'events-attended', 'membership-days']);
export type Criterion = z.infer<typeof Criterion>;
export const Operator = z.enum(['=', '>', '<', '>=', '<=']);
export type Operator = z.infer<typeof Operator>;
export const Condition = z.object({ criterion: Criterion, operator: Operator, value: z.int().nonnegative() });
export type Condition = z.infer<typeof Condition>;

export const Tier = z.object({ name: NonEmpty, criterion: Criterion, threshold: z.int().nonnegative() });

export const ProgramInput = z.object({
  name: NonEmpty,
  /** Points, or an amount of money credited to the account (seed 001). */
  unit: z.enum(['points', 'currency']),
  wording: PointsWording,
  currency: Currency,
  /** What one point is worth in minor units of the currency, as a fraction (e.g. 1/10 = 0.1 cent). */
  valueNumerator: z.int().positive().default(1),
  valueDenominator: z.int().positive().default(1),
  pointsValidityDays: z.int().positive().max(3650).nullable().default(365),
  earnRules: z.array(ScopedEarnRule).max(200).default([]),
  /** Only contacts who hold a season ticket earn (seed 000's example of an eligibility rule). */
  seasonTicketHoldersOnly: z.boolean().default(false),
  tiers: z.array(Tier).max(20).default([]),
  /** Products priced in points (seed 001: "the value of the product in points"). */
  productPrices: z.array(z.object({ productId: NonEmpty, points: z.int().positive() })).max(2000).default([]),
});
export const Program = ProgramInput.extend({
  programId: Uuid,
  active: z.boolean(),
  createdAt: Timestamp,
});
export type Program = z.infer<typeof Program>;

export const loyaltyProgramsCreate = defineRequest('loyalty.v1.programs.create', ProgramInput, Program);
export const loyaltyProgramsUpdate = defineRequest(
  'loyalty.v1.programs.update',
  patchOf(ProgramInput).extend({ programId: Uuid }),
  Program,
);
export const loyaltyProgramsGet = defineRequest('loyalty.v1.programs.get', z.object({ programId: Uuid }), Program);
export const loyaltyProgramsList = defineRequest('loyalty.v1.programs.list', z.object({}), z.object({ programs: z.array(Program) }));
export const loyaltyProgramsSetActive = defineRequest(
  'loyalty.v1.programs.set-active',
  z.object({ programId: Uuid, active: z.boolean() }),
  Program,
);
export const loyaltyProgramsClone = defineRequest('loyalty.v1.programs.clone', z.object({ programId: Uuid, name: NonEmpty }), Program);

// --- accounts and the ledger -----------------------------------------------------------------------

export const LoyaltyAccount = z.object({
  accountId: Uuid,
  programId: Uuid,
  contactId: z.string(),
  phone: z.string().nullable(),
  balance: z.int().nonnegative(),
  /** The balance's worth in the program's currency, rounded down. */
  balanceValue: Money,
  held: z.int().nonnegative(),
  /** Earned on orders whose points are not yet available (none today: points are available at once). */
  pending: z.int().nonnegative(),
  /** Points that expire within 30 days. */
  expiringSoon: z.int().nonnegative(),
  nextExpiryAt: Timestamp.nullable(),
  wording: PointsWording,
  createdAt: Timestamp,
});
export type LoyaltyAccount = z.infer<typeof LoyaltyAccount>;

const Phone = z.string().regex(/^\+?[0-9 ]{6,20}$/, 'a phone number').transform((p) => p.replace(/ /g, ''));

export const loyaltyAccountsGet = defineRequest('loyalty.v1.accounts.get', z.object({ accountId: Uuid }), LoyaltyAccount);
export const loyaltyAccountsFind = defineRequest(
  'loyalty.v1.accounts.find',
  z.object({ programId: Uuid.optional(), contactId: NonEmpty.optional(), phone: Phone.optional() }).refine((q) => q.contactId || q.phone, 'contactId or phone'),
  LoyaltyAccount,
);
/** At the till: the customer gives a phone number; the account is made on the spot when there is none. */
export const loyaltyAccountsOpen = defineRequest(
  'loyalty.v1.accounts.open',
  z.object({ programId: Uuid.optional(), contactId: NonEmpty, phone: Phone.optional() }),
  LoyaltyAccount.extend({ created: z.boolean() }),
);

export const LedgerEntryKind = z.enum(['earn', 'hold', 'release', 'capture', 'expire', 'adjust', 'refund', 'reverse']);
export const LoyaltyEntry = z.object({
  entryId: Uuid,
  kind: LedgerEntryKind,
  points: z.int(),
  balanceAfter: z.int(),
  orderId: z.string().nullable(),
  reason: z.string().nullable(),
  at: Timestamp,
});
export const loyaltyAccountsHistory = defineRequest(
  'loyalty.v1.accounts.history',
  z.object({ accountId: Uuid, limit: z.int().min(1).max(500).default(100) }),
  z.object({ entries: z.array(LoyaltyEntry) }),
);
/** An operator's correction, with a reason; keyed so a double click adjusts once. */
export const loyaltyAccountsAdjust = defineRequest(
  'loyalty.v1.accounts.adjust',
  z.object({ accountId: Uuid, adjustmentId: NonEmpty, points: z.int().refine((p) => p !== 0, 'not zero'), reason: NonEmpty }),
  LoyaltyAccount,
);

// --- spending: hold / capture / release by order ---------------------------------------------------

/** A product bought with its price in points (the program's `productPrices`). */
export const ProductInPoints = z.object({ productId: NonEmpty, quantity: z.int().positive().max(1000) });
export const PointsHold = z.object({
  orderId: z.string(),
  accountId: Uuid,
  /** Everything held: the points paying part of the order plus the products' points prices. */
  points: z.int().positive(),
  /** What `points` is worth at the conversion rate (a product's points price is not its money price). */
  value: Money,
  /** The products bought in points, each at the program's price when it was held. */
  products: z.array(ProductInPoints.extend({ points: z.int().positive() })).default([]),
  state: z.enum(['held', 'captured', 'released']),
  expiresAt: Timestamp,
});
/**
 * Holds points for an order: `points` paying part of it at the conversion rate, and `products`
 * bought whole with their points price, which the loyalty program sets (a product it does not
 * price is refused with PRODUCT_NOT_PRICED_IN_POINTS). One hold per order, captured or released
 * by order id.
 */
export const loyaltyPointsHold = defineRequest(
  'loyalty.v1.points.hold',
  z
    .object({
      orderId: NonEmpty,
      contactId: NonEmpty,
      programId: Uuid.optional(),
      points: z.int().nonnegative().default(0),
      products: z.array(ProductInPoints).max(50).default([]),
      ttlSeconds: z.int().min(1).max(3600).default(900),
    })
    .refine((h) => h.points > 0 || h.products.length > 0, 'points or products to hold'),
  PointsHold,
);
export const loyaltyPointsCapture = defineRequest('loyalty.v1.points.capture', z.object({ orderId: NonEmpty }), PointsHold);
export const loyaltyPointsRelease = defineRequest('loyalty.v1.points.release', z.object({ orderId: NonEmpty }), PointsHold.nullable());

// --- rewards (seed 003) ------------------------------------------------------------------------------

export const RewardInput = z.object({
  name: NonEmpty,
  /** Groups rewards in searches; null (or absent) for none, and an update with null removes it. */
  campaign: NonEmpty.nullable().optional(),
  conditions: z.array(Condition).min(1).max(10),
  reward: z.discriminatedUnion('type', [
    z.object({ type: z.literal('percentage'), basisPoints: z.int().min(1).max(10_000) }),
    z.object({ type: z.literal('fixed'), amountMinor: z.int().positive(), currency: Currency }),
    z.object({ type: z.literal('free-ticket') }),
  ]),
  appliesTo: z.enum(['tickets', 'products', 'both']).default('both'),
  validity: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('one-time') }),
    z.object({ kind: z.literal('continuous') }),
    z.object({ kind: z.literal('until'), until: Timestamp }),
  ]),
  fundedBy: z.enum(['organizer', 'promoter', 'partner']).default('organizer'),
});
export const Reward = RewardInput.extend({ rewardId: Uuid, active: z.boolean(), createdAt: Timestamp });
export type Reward = z.infer<typeof Reward>;

export const loyaltyRewardsCreate = defineRequest('loyalty.v1.rewards.create', RewardInput, Reward);
export const loyaltyRewardsUpdate = defineRequest('loyalty.v1.rewards.update', patchOf(RewardInput).extend({ rewardId: Uuid }), Reward);
export const loyaltyRewardsList = defineRequest(
  'loyalty.v1.rewards.list',
  z.object({ active: z.boolean().optional(), campaign: NonEmpty.optional(), type: z.enum(['percentage', 'fixed', 'free-ticket']).optional() }),
  z.object({ rewards: z.array(Reward) }),
);
export const loyaltyRewardsSetActive = defineRequest('loyalty.v1.rewards.set-active', z.object({ rewardId: Uuid, active: z.boolean() }), Reward);
export const loyaltyRewardsClone = defineRequest('loyalty.v1.rewards.clone', z.object({ rewardId: Uuid, name: NonEmpty }), Reward);
export const loyaltyRewardsEligible = defineRequest(
  'loyalty.v1.rewards.eligible',
  z.object({ rewardId: Uuid, limit: z.int().min(1).max(1000).default(100) }),
  z.object({ contacts: z.array(z.object({ contactId: z.string(), granted: z.boolean() })) }),
);
export const loyaltyRewardsGrant = defineRequest(
  'loyalty.v1.rewards.grant',
  z.object({ rewardId: Uuid, contactId: NonEmpty, force: z.boolean().default(false) }),
  z.object({ rewardId: Uuid, contactId: z.string(), state: z.enum(['active', 'used', 'revoked', 'expired']) }),
);
export const loyaltyRewardsRevoke = defineRequest(
  'loyalty.v1.rewards.revoke',
  z.object({ rewardId: Uuid, contactId: NonEmpty }),
  z.object({ rewardId: Uuid, contactId: z.string(), state: z.enum(['active', 'used', 'revoked', 'expired']) }),
);
export const loyaltyRewardsAnalytics = defineRequest(
  'loyalty.v1.rewards.analytics',
  z.object({ rewardId: Uuid }),
  z.object({
    rewardId: Uuid,
    eligible: z.int(),
    granted: z.int(),
    used: z.int(),
    redemptionRate: z.number().min(0).max(1),
    discountGivenMinor: z.int(),
    usageByDay: z.array(z.object({ day: z.string(), uses: z.int(), discountMinor: z.int() })),
  }),
);
export const MyReward = z.object({
  rewardId: Uuid,
  name: z.string(),
  reward: RewardInput.shape.reward,
  state: z.enum(['active', 'used', 'expired']),
  usedAt: Timestamp.nullable(),
  validUntil: Timestamp.nullable(),
});
/**
 * The rewards a checkout applied, held with its other holds: a one-time reward is held by one
 * order at a time and used once, so two checkouts at once cannot both take it. Captured or
 * released by order id with the rest; a hold nobody confirms is released when it expires.
 */
export const RewardHold = z.object({ orderId: z.string(), rewardIds: z.array(Uuid), state: z.enum(['held', 'captured', 'released']), expiresAt: Timestamp });
export const loyaltyRewardsHold = defineRequest(
  'loyalty.v1.rewards.hold',
  z.object({ orderId: NonEmpty, contactId: NonEmpty, rewardIds: z.array(Uuid).min(1).max(20), ttlSeconds: z.int().min(1).max(3600).default(900) }).strict(),
  RewardHold,
);
export const loyaltyRewardsCapture = defineRequest('loyalty.v1.rewards.capture', z.object({ orderId: NonEmpty }).strict(), RewardHold);
export const loyaltyRewardsRelease = defineRequest('loyalty.v1.rewards.release', z.object({ orderId: NonEmpty }).strict(), RewardHold);

export const loyaltyMyRewards = defineRequest('loyalty.v1.rewards.mine', z.object({ contactId: NonEmpty }), z.object({ rewards: z.array(MyReward) }));

export const TierProgress = z.object({
  programId: Uuid,
  current: z.string().nullable(),
  next: z.string().nullable(),
  /** 0 to 100: how far the contact is from the current tier to the next ("80% to Gold"). */
  percent: z.int().min(0).max(100),
  criterion: Criterion.nullable(),
  value: z.int(),
  nextThreshold: z.int().nullable(),
});
export const loyaltyTierProgress = defineRequest(
  'loyalty.v1.tiers.progress',
  z.object({ contactId: NonEmpty, programId: Uuid.optional() }),
  TierProgress,
);

// --- checkout ----------------------------------------------------------------------------------------

export const QuoteLine = z.object({
  lineId: NonEmpty,
  productId: NonEmpty,
  productFamily: ProductFamily,
  sectionId: NonEmpty.optional(),
  quantity: z.int().positive(),
  /** The line's price after advantages and promo codes. */
  priceMinor: z.int().nonnegative(),
  /** Bought with the product's price in points (the program's product prices) instead of money. */
  payInPoints: z.boolean().default(false),
});
export const loyaltyCheckoutQuote = defineRequest(
  'loyalty.v1.checkout.quote',
  z.object({
    contactId: NonEmpty,
    programId: Uuid.optional(),
    channel: NonEmpty,
    pointOfSale: NonEmpty.optional(),
    currency: Currency,
    lines: z.array(QuoteLine).min(1),
    pointsToUse: z.int().nonnegative().default(0),
  }),
  z.object({
    account: LoyaltyAccount.nullable(),
    /** Rewards applied automatically, each with its reduction per line. */
    rewards: z.array(z.object({ rewardId: Uuid, name: z.string(), lines: z.array(z.object({ lineId: z.string(), amountMinor: z.int() })), fundedBy: z.enum(['organizer', 'promoter', 'partner']) })),
    /** What `pointsToUse` is worth in money. */
    pointsValue: Money,
    /** The lines bought in points, with their points price (product price × quantity). */
    pointsPriced: z.array(z.object({ lineId: z.string(), points: z.int().positive() })),
    pointsEarnable: z.int().nonnegative(),
  }),
  { together: true },
);

// --- events ------------------------------------------------------------------------------------------

export const LoyaltyAccountCreated = defineEvent(
  'evt.loyalty.account-created',
  z.object({ accountId: Uuid, programId: Uuid, contactId: z.string(), phone: z.string().nullable() }),
);
/** Every change of a balance, with the ledger entry behind it. */
export const LoyaltyPointsChanged = defineEvent(
  'evt.loyalty.points-changed',
  z.object({ accountId: Uuid, contactId: z.string(), kind: LedgerEntryKind, points: z.int(), balance: z.int(), orderId: z.string().nullable() }),
);
export const LoyaltyPointsExpired = defineEvent(
  'evt.loyalty.points-expired',
  z.object({ accountId: Uuid, contactId: z.string(), points: z.int().positive() }),
);
export const LoyaltyRewardGranted = defineEvent(
  'evt.loyalty.reward-granted',
  z.object({ rewardId: Uuid, contactId: z.string(), manual: z.boolean() }),
);
