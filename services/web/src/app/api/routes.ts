import type { Money } from '../money';
import type { Wording } from '../points';

/**
 * The gateway routes the screens use (OpenAPI paths under /v1) and the shapes they read, in one
 * place: when a route lands with another path or shape, this file is the one to change.
 * Views mirror the services' contracts (packages/contracts) where those exist.
 */
export const routes = {
  advantages: '/advantages',
  advantageTransitions: '/advantages/{advantageId}/transitions',
  codeBatches: '/code-batches',
  codeBatch: '/code-batches/{batchId}',
  codeBatchCsv: '/code-batches/{batchId}/csv',
  codeDashboard: '/code-dashboard',
  codes: '/codes',
  codeInvalidations: '/code-invalidations',
  myLoyalty: '/me/loyalty-account',
  loyaltyAccounts: '/loyalty-accounts',
  loyaltyAccountHistory: '/loyalty-accounts/{accountId}/history',
  loyaltyAdjustments: '/loyalty-accounts/{accountId}/adjustments',
  contactTierProgress: '/contacts/{contactId}/tier-progress',
  preferredSeats: '/contacts/{contactId}/preferred-seats',
  preferredSeat: '/contacts/{contactId}/preferred-seats/{physicalConfigurationId}',
  myTierProgress: '/me/tier-progress',
  myRewards: '/me/rewards',
  checkoutQuote: '/checkout/quote',
  checkouts: '/checkout/holds',
  checkoutConfirm: '/checkout/{orderId}/confirmation',
  rewardPrograms: '/rewards',
  rewardProgram: '/rewards/{rewardId}',
  rewardActivation: '/rewards/{rewardId}/activation',
  rewardClones: '/rewards/{rewardId}/clones',
  rewardEligible: '/rewards/{rewardId}/eligible-contacts',
  rewardGrants: '/rewards/{rewardId}/grants',
  rewardRevocations: '/rewards/{rewardId}/revocations',
  rewardAnalytics: '/rewards/{rewardId}/analytics',
  promoCodes: '/promo-codes',
  promoCode: '/promo-codes/{promoCodeId}',
  promoCodeTransitions: '/promo-codes/{promoCodeId}/transitions',
  myPartnerBalance: '/me/partners/{partnerId}/balance',
  loyaltyPrograms: '/loyalty-programs',
  loyaltyProgram: '/loyalty-programs/{programId}',
  loyaltyProgramActivation: '/loyalty-programs/{programId}/activation',
  loyaltyProgramClones: '/loyalty-programs/{programId}/clones',
  renewalRuns: '/renewal-runs',
  renewalRun: '/renewal-runs/{runId}',
  myVouchers: '/me/vouchers',
  vouchers: '/vouchers',
  voucherBalance: '/voucher-balance',
  voucherHistory: '/vouchers/{voucherId}/history',
  voucherCancellation: '/vouchers/{voucherId}/cancellation',
  contactVouchers: '/contacts/{contactId}/vouchers',
  contactCreditNote: '/contacts/{contactId}/credit-notes/{currency}',
  creditNoteConversions: '/contacts/{contactId}/credit-note-conversions',
  voucherSettings: '/voucher-settings',
  openProducts: '/open-products',
  experienceVouchers: '/experience-vouchers',
  experienceRedemptions: '/experience-vouchers/redemptions',
  partners: '/partners',
  partnerBalance: '/partners/{partnerId}/contacts/{contactId}/balance',
  deadLetters: '/partner-deliveries',
  replayDelivery: '/partner-deliveries/{deliveryId}/replay',
} as const;

/** `/a/{id}` with { id: 'x y' } -> `/a/x%20y`. */
export function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(value);
  });
}

/** Product families, as packages/contracts/src/events.ts lists them. */
export const productFamilies = [
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
] as const;
export type ProductFamily = (typeof productFamilies)[number];

/** The five target types of seed 002. */
export const targetTypes = ['public', 'indicator', 'partner', 'contacts', 'single-use-codes'] as const;
export type TargetType = (typeof targetTypes)[number];

export const endOfSaleRules = ['performance-end-of-sales', 'performance-start-plus-tolerance', 'no-limit'] as const;
export type EndOfSaleRule = (typeof endOfSaleRules)[number];

/** Text per locale, as the services store names. */
export type LocalizedText = Record<string, string>;

export type Target =
  | { type: 'public' }
  | { type: 'indicator'; indicator: string; level: string }
  | { type: 'partner'; accessCode: string }
  | { type: 'contacts' }
  | { type: 'single-use-codes' };

export type EndOfSale = { rule: 'performance-end-of-sales' } | { rule: 'performance-start-plus-tolerance'; toleranceMinutes: number } | { rule: 'no-limit' };

/** The special price of one product, optionally for one audience subcategory and seat category. */
export interface AdvantagePrice {
  productId: string;
  audienceSubcategory: string | null;
  seatCategory: string | null;
  priceMinor: number;
  currency: string;
}

/** `POST /advantages` (promotion.v1.advantages.create). */
export interface AdvantageInput {
  season: string;
  family: ProductFamily;
  names: { internal: LocalizedText; public: LocalizedText };
  target: Target;
  channels: string[] | null;
  validFrom: string | null;
  validUntil: string | null;
  endOfSale: EndOfSale;
  quota: number | null;
  prices: AdvantagePrice[];
}

export interface AdvantageView extends AdvantageInput {
  advantageId: string;
  state: 'draft' | 'in-operation' | 'closed';
  quotaTaken: number;
}

/** The name to show in the person's language, else any. */
export const textIn = (t: LocalizedText, locale = 'en'): string => t[locale] ?? Object.values(t)[0] ?? '';

/** `POST /code-batches`, `GET /code-batches/{batchId}` (promotion.v1.codes.generate). */
export interface CodeBatchView {
  batchId: string;
  advantageId: string;
  contactId: string;
  count: number;
  generated: number;
  state: 'generating' | 'ready';
  createdAt: string;
}

export interface DashboardCounts {
  generated: number;
  available: number;
  used: number;
  ticketsScanned: number;
  invalidated: number;
}

export interface CodeDashboardRow extends DashboardCounts {
  contactId: string | null;
  advantageId: string;
  advantageName: LocalizedText;
}

export interface CodeView {
  code: string;
  advantageId: string;
  batchId: string;
  requestedBy: string;
  state: 'available' | 'held' | 'used' | 'invalidated';
  generatedAt: string;
  usedAt: string | null;
  usedBy: string | null;
  orderId: string | null;
  invalidatedAt: string | null;
  ticketsScanned: number;
}

/** `GET /me/loyalty-account`: the balance in the program's wording and in money. */
export interface MyLoyalty {
  accountId: string;
  programId: string;
  balance: number;
  balanceValue: Money;
  held: number;
  expiringSoon: number;
  nextExpiryAt: string | null;
  wording: Wording;
}

/** `GET /loyalty-accounts?phone=…` or `?contactId=…`: an account as the till and the back office see it. */
export interface LoyaltyAccountView extends MyLoyalty {
  contactId: string;
  phone: string | null;
  createdAt: string;
}

/** `POST /loyalty-accounts`: `created` is false when the contact already had an account in the program. */
export type OpenedAccount = LoyaltyAccountView & { created: boolean };

export const loyaltyEntryKinds = ['earn', 'hold', 'release', 'capture', 'expire', 'adjust', 'refund', 'reverse'] as const;

/** `GET /loyalty-accounts/{accountId}/history`: one line of the account's ledger, newest first. */
export interface LoyaltyEntry {
  entryId: string;
  kind: (typeof loyaltyEntryKinds)[number];
  points: number;
  balanceAfter: number;
  orderId: string | null;
  reason: string | null;
  at: string;
}

/** `GET /contacts/{contactId}/preferred-seats`: the seat a season-ticket purchase remembered per venue layout. */
export interface PreferredSeatView {
  contactId: string;
  physicalConfigurationId: string;
  /** The venue layout's name (renewal's physical configuration); null when the venue model has no layout by that id. */
  physicalConfigurationName: string | null;
  area: string;
  row: string;
  number: string;
  /** False when the seat is no longer in the layout: renewal and sales ignore it. */
  valid: boolean;
  fromOrderId: string;
  storedAt: string;
}

/** `GET /me/tier-progress`, computed by the loyalty service. */
export interface TierStanding {
  /** What the tiers count (money spent in minor units, tickets, events, days); null without tiers. */
  criterion?: Criterion | null;
  current: string | null;
  next: string | null;
  percent: number;
  value: number;
  nextThreshold: number | null;
}

/** `GET /me/rewards`. */
export interface RewardView {
  rewardId: string;
  name: string;
  reward: RewardBenefit;
  state: 'active' | 'used' | 'expired';
  validUntil: string | null;
  usedAt: string | null;
}

export interface CheckoutLine {
  lineId: string;
  productId: string;
  productFamily: ProductFamily;
  label: string;
  amountMinor: number;
  season?: string;
  audienceSubcategory?: string;
  seatCategory?: string;
}

/** A voucher paying part of an order; the PIN only when the voucher has one. */
export interface VoucherPayment {
  code: string;
  pin?: string;
  amountMinor: number;
}

/** What the page lets the fan choose; `toCart` turns it into the gateway's cart. */
export interface CheckoutRequest {
  currency: string;
  channel: string;
  lines: CheckoutLine[];
  codes: string[];
  points: number;
  vouchers: VoucherPayment[];
  creditNoteMinor: number;
  /** Part paid with a loyalty partner's points, in money. */
  partnerPoints?: PartnerPointsPayment;
}

export interface PartnerPointsPayment {
  partnerId: string;
  amountMinor: number;
}

/** The gateway's cart (`POST /checkout/quote`, `/checkout/holds`). */
export interface Cart {
  channel: string;
  currency: string;
  lines: { lineId: string; productId: string; productFamily: ProductFamily; unitPriceMinor: number; quantity: number; season?: string; audienceSubcategory?: string; seatCategory?: string }[];
  codes: string[];
  pay: { vouchers: VoucherPayment[]; points?: { points: number }; creditNoteMinor?: number; partnerPoints?: PartnerPointsPayment };
}

export interface Reduction {
  source: 'advantage' | 'promo-code' | 'reward' | 'single-use-code';
  ref: string;
  amountMinor: number;
  fundedBy: string;
  label?: string;
}

/** The gateway's quote. */
export interface Quote {
  currency: string;
  lines: { lineId: string; productId: string; originalMinor: number; priceMinor: number; reductions: Reduction[] }[];
  subtotalMinor: number;
  discountMinor: number;
  totalMinor: number;
  payments: { method: 'points' | 'voucher' | 'credit-note' | 'partner-points'; amountMinor: number; points?: number; ref?: string }[];
  amountDueMinor: number;
  notApplied: { kind: string; ref: string; lineId: string | null; reason: string }[];
  balances: {
    points: { points: number; valueMinor: number; wording: string } | null;
    creditNoteMinor: number;
    /** The voucher service did not answer: the credit note's balance is unknown, not zero. */
    creditNoteUnavailable: boolean;
    partners: { partnerId: string; points: number; valueMinor: number; stale: boolean }[];
    /** Partners that are down and never gave this fan a balance. */
    partnersUnavailable: string[];
  };
  rewards: { rewardId: string; name: string; amountMinor: number }[];
  pointsEarnable: number;
}

export interface CheckoutView {
  orderId: string;
  state: 'holding' | 'held' | 'failed' | 'confirming' | 'confirmed' | 'cancelling' | 'cancelled' | 'expired';
  holdExpiresAt: string;
  quote: Quote;
}

export function toCart(r: CheckoutRequest): Cart {
  return {
    channel: r.channel,
    currency: r.currency,
    lines: r.lines.map((l) => ({
      lineId: l.lineId,
      productId: l.productId,
      productFamily: l.productFamily,
      unitPriceMinor: l.amountMinor,
      quantity: 1,
      ...(l.season ? { season: l.season } : {}),
      ...(l.audienceSubcategory ? { audienceSubcategory: l.audienceSubcategory } : {}),
      ...(l.seatCategory ? { seatCategory: l.seatCategory } : {}),
    })),
    codes: r.codes,
    pay: {
      vouchers: r.vouchers,
      ...(r.points > 0 ? { points: { points: r.points } } : {}),
      ...(r.creditNoteMinor > 0 ? { creditNoteMinor: r.creditNoteMinor } : {}),
      ...(r.partnerPoints ? { partnerPoints: r.partnerPoints } : {}),
    },
  };
}

/** What a reward gives (loyalty's RewardInput.reward). */
export type RewardBenefit = { type: 'percentage'; basisPoints: number } | { type: 'fixed'; amountMinor: number; currency: string } | { type: 'free-ticket' };
export const rewardTypes = ['percentage', 'fixed', 'free-ticket'] as const;

export const rewardCriteria = ['total-spending', 'tickets-purchased', 'events-attended', 'membership-days'] as const;
export type RewardCriterion = (typeof rewardCriteria)[number];
export const rewardOperators = ['>=', '>', '=', '<=', '<'] as const;
export type RewardOperator = (typeof rewardOperators)[number];
export const funders = ['organizer', 'promoter', 'partner'] as const;
export type Funder = (typeof funders)[number];

/** `POST /rewards`, `PATCH /rewards/{rewardId}` (loyalty.v1.rewards.create / update). */
export interface RewardInput {
  name: string;
  /** null removes it (on an update). */
  campaign?: string | null;
  conditions: { criterion: RewardCriterion; operator: RewardOperator; value: number }[];
  reward: RewardBenefit;
  appliesTo: 'tickets' | 'products' | 'both';
  validity: { kind: 'one-time' } | { kind: 'continuous' } | { kind: 'until'; until: string };
  fundedBy: Funder;
}

/** `GET /rewards`: a reward program of seed 003. */
export interface RewardProgramView extends RewardInput {
  rewardId: string;
  active: boolean;
  createdAt: string;
}

/** `GET /rewards/{rewardId}/eligible-contacts`. */
export interface EligibleContact {
  contactId: string;
  granted: boolean;
}

/** `POST /rewards/{rewardId}/grants` and `/revocations`. */
export interface RewardGrantView {
  rewardId: string;
  contactId: string;
  state: 'active' | 'used' | 'revoked' | 'expired';
}

export type PromoDiscount = { kind: 'percent'; basisPoints: number } | { kind: 'fixed'; amount: Money };

/** `POST /promo-codes` (promotion.v1.promo-codes.create): a cart-wide code. */
export interface PromoCodeInput {
  accessCode: string;
  names: { internal: LocalizedText; public: LocalizedText };
  discount: PromoDiscount;
  minCartAmount: Money | null;
  indicator: { indicator: string; level: string } | null;
  channels: string[] | null;
  validFrom: string | null;
  validUntil: string | null;
  endOfSale: EndOfSale;
  maxUses: number | null;
  fundedBy: Funder;
}

export interface PromoCodeView extends PromoCodeInput {
  promoCodeId: string;
  state: AdvantageView['state'];
  usesTaken: number;
}

/** `GET /rewards/{rewardId}/analytics`. */
export interface RewardAnalytics {
  eligible: number;
  granted: number;
  used: number;
  redemptionRate: number;
  discountGivenMinor: number;
  usageByDay: { day: string; uses: number; discountMinor: number }[];
}

/** `GET /me/vouchers`: a fan's vouchers, codes never shown (only their hint). */
export interface VoucherView {
  voucherId: string;
  kind: 'financial' | 'experience';
  status: 'active' | 'redeemed' | 'expired' | 'cancelled';
  codeHint: string;
  currency: string;
  faceValueMinor: number;
  balanceMinor: number;
  heldMinor: number;
  validUntil: string;
}

/** A voucher as the voucher service shows it to the back office (packages/contracts voucher.ts). */
export interface VoucherDetail extends VoucherView {
  validFrom: string;
  pinProtected: boolean;
  contactId: string | null;
  grant: ExperienceGrant | null;
}

/** What an experience voucher grants: one event ticket product. */
export interface ExperienceGrant {
  productId: string;
  performanceId?: string;
  audienceSubcategory: string;
  seatCategory: string;
  quantity: number;
}

/** `POST /vouchers`, `POST /experience-vouchers`: the code is in this answer only. */
export type SoldVoucher = VoucherDetail & { code: string };

/** Signed: positive credits revenue or VAT, negative debits the open product or defers the sale. */
export interface AccountingLine {
  phase: 'sale' | 'redemption';
  kind: 'revenue' | 'vat' | 'deferred-revenue' | 'open-product';
  ref: string;
  vatCode: string;
  amountMinor: number;
  currency: string;
}

export interface LedgerEntry {
  id: string;
  type: 'sale' | 'credit' | 'hold' | 'release' | 'capture' | 'expiry' | 'cancellation' | 'conversion';
  deltaMinor: number;
  balanceAfterMinor: number;
  orderId: string | null;
  ref: string | null;
  at: string;
}

export interface HoldView {
  holdId: string;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: 'held' | 'captured' | 'released';
  expiresAt: string;
}

/** `GET /vouchers/{voucherId}/history`. */
export interface VoucherHistory {
  voucher: VoucherDetail;
  entries: LedgerEntry[];
  holds: HoldView[];
  accounting: AccountingLine[];
}

/** `GET /contacts/{contactId}/credit-notes/{currency}`. */
export interface CreditNoteView {
  creditNoteId: string;
  contactId: string;
  currency: string;
  balanceMinor: number;
  heldMinor: number;
  entries: LedgerEntry[];
}

export type VatTiming = 'at-sale' | 'at-redemption';

/** The product an experience voucher's sale is booked to, per VAT code and season. */
export interface OpenProduct {
  season: string;
  vatCode: string;
  vatRateBp: number;
  openProductId: string;
}

export interface PartnerView {
  partnerId: string;
  name: string;
  active: boolean;
  wording: Wording;
  updatedAt: string;
}

/** partner-sync's PartnerBalance: `stale` when the partner did not answer and this is the last known. */
export interface PartnerBalance {
  partnerId: string;
  contactId: string;
  points: number;
  value: Money;
  wording: Wording;
  stale: boolean;
  asOf: string;
}

export interface DeliveryView {
  deliveryId: string;
  partnerId: string;
  kind: string;
  sourceKey: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  createdAt: string;
}

/** The tier criteria of packages/contracts/src/loyalty.ts; `total-spending` counts minor units. */
export const criteria = ['total-spending', 'tickets-purchased', 'events-attended', 'membership-days'] as const;
export type Criterion = (typeof criteria)[number];

export const earnRuleKinds = ['per-amount', 'per-product', 'per-section', 'per-visit'] as const;
export type EarnRuleKind = (typeof earnRuleKinds)[number];

/** Where a rule applies; null means everywhere. */
export interface EarnScope {
  productIds: string[] | null;
  families: ProductFamily[] | null;
  channels: string[] | null;
  pointsOfSale: string[] | null;
}

export type EarnRule = (
  | { kind: 'per-product'; productId: string; points: number }
  | { kind: 'per-section'; sectionId: string; points: number }
  | { kind: 'per-visit'; points: number }
  | { kind: 'per-amount'; points: number; perAmountMinor: number }
) & { scope: EarnScope };

/** `POST /loyalty-programs` (loyalty.v1.programs.create); PATCH takes any part of it. */
export interface LoyaltyProgramInput {
  name: string;
  unit: 'points' | 'currency';
  wording: Wording;
  currency: string;
  /** One point is worth valueNumerator / valueDenominator minor units. */
  valueNumerator: number;
  valueDenominator: number;
  pointsValidityDays: number | null;
  earnRules: EarnRule[];
  seasonTicketHoldersOnly: boolean;
  tiers: { name: string; criterion: Criterion; threshold: number }[];
  productPrices: { productId: string; points: number }[];
}

export interface LoyaltyProgramView extends LoyaltyProgramInput {
  programId: string;
  active: boolean;
  createdAt: string;
}

export const renewStrategies = ['TWO_STEPS', 'SAME_SEAT_ONLY', 'OTHER_SEATS_ONLY'] as const;
export type RenewStrategy = (typeof renewStrategies)[number];
export const reservationModes = ['NO', 'YES', 'SEAT_CHANGED_ONLY'] as const;
export type ReservationMode = (typeof reservationModes)[number];

/** `POST /renewal-runs` (renewal.v1.runs.start). */
export interface RenewalRunInput {
  runKey: string;
  originSeasonTicketId: string;
  targetSeasonTicketId: string;
  renewStrategy: RenewStrategy;
  createReservation: ReservationMode;
  reservationDays: number;
}

/** `GET /renewal-runs`: a row of the list, and the heading of a report. */
export interface RenewalRunSummary extends RenewalRunInput {
  runId: string;
  status: 'pending' | 'running' | 'completed';
  createdAt: string;
  completedAt: string | null;
}

export type NotRenewedReason = 'SEAT_NOT_KEPT' | 'NO_SEAT_FOUND' | 'QUOTA_EXHAUSTED' | 'ALREADY_HOLDER' | 'LEFT_FOR_OTHER_SEATS_STEP' | 'LEFT_FOR_SAME_SEAT_STEP';

/** One holder's decision: per group of performances (a physical configuration), the seat and why. */
export interface RenewalDecisionView {
  contactId: string;
  originHoldingId: string;
  step: 1 | 2;
  outcome: 'renewed' | 'not-renewed';
  reason: NotRenewedReason | null;
  seatChanged: boolean;
  reserved: boolean;
  groups: {
    physicalConfigurationId: string;
    row: number;
    source: 'origin-seat' | 'preferred-seat' | 'best-seat' | 'none';
    seat: { area: string; row: string; number: string; seatId: string; category: string } | null;
    rationale: string;
  }[];
}

/** `GET /renewal-runs/{runId}` (renewal.v1.runs.get): totals, and the decisions page by page. */
export interface RenewalRunReport extends RenewalRunSummary {
  renewed: number;
  notRenewed: number;
  seatChanges: number;
  notRenewedByReason: Partial<Record<NotRenewedReason, number>>;
  decisions: RenewalDecisionView[];
}
