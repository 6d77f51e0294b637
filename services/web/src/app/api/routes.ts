import type { Money } from '../money';
import type { Wording } from '../points';

/**
 * The gateway routes the screens use (OpenAPI paths under /v1) and the shapes they read, in one
 * place: when a route lands with another path or shape, this file is the one to change.
 * Views mirror the services' contracts (packages/contracts) where those exist.
 */
export const routes = {
  advantages: '/promotion/advantages',
  codeBatches: '/promotion/advantages/{advantageId}/code-batches',
  codeBatch: '/promotion/advantages/{advantageId}/code-batches/{batchId}',
  codeDashboard: '/promotion/code-dashboard',
  codes: '/promotion/codes',
  codeInvalidate: '/promotion/codes/{code}/invalidate',
  myLoyalty: '/me/loyalty',
  myRewards: '/me/rewards',
  checkoutQuote: '/checkout/quote',
  checkouts: '/checkout',
  checkoutConfirm: '/checkout/{checkoutId}/confirm',
  rewardPrograms: '/loyalty/reward-programs',
  rewardAnalytics: '/loyalty/reward-programs/{programId}/analytics',
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
export const targetTypes = ['public', 'indicator', 'partner', 'contacts', 'single-use'] as const;
export type TargetType = (typeof targetTypes)[number];

export const endOfSaleRules = ['end-of-sales', 'performance-start-plus-tolerance', 'no-limit'] as const;
export type EndOfSaleRule = (typeof endOfSaleRules)[number];

export type Discount = { kind: 'percentage'; percent: number } | { kind: 'fixed'; amountMinor: number; currency: string };

export interface AdvantageDraft {
  season: string;
  productFamily: ProductFamily;
  name: string;
  publicName: string;
  targetType: TargetType;
  accessCode?: string;
  indicator?: { name: string; level: string };
  quota?: number;
  validFrom?: string;
  validUntil?: string;
  endOfSale: EndOfSaleRule;
  toleranceMinutes?: number;
  discount: Discount;
  channels: string[];
  putIntoOperation: boolean;
}

export interface AdvantageView extends AdvantageDraft {
  advantageId: string;
  state: 'draft' | 'in-operation' | 'closed';
  createdAt: string;
}

export interface CodeBatchView {
  batchId: string;
  advantageId: string;
  requested: number;
  generated: number;
  state: 'running' | 'done' | 'failed';
  /** A CSV of the codes, served by the gateway once the batch is done. */
  downloadPath?: string;
}

export interface CodeDashboardRow {
  contactId: string | null;
  advantageId: string;
  advantageName: string;
  generated: number;
  available: number;
  used: number;
  ticketsScanned: number;
  invalidated: number;
}

export interface CodeView {
  code: string;
  advantageId: string;
  state: 'available' | 'used' | 'invalidated' | 'expired';
  usedAt: string | null;
  usedBy: string | null;
  orderId: string | null;
}

export interface Tier {
  name: string;
  threshold: number;
}

export interface MyLoyalty {
  programId: string;
  programName: string;
  wording: Wording;
  points: number;
  value: Money;
  tiers: Tier[];
  /** What counts toward tiers (qualifying points), which may differ from the spendable balance. */
  tierValue: number;
  partner?: { name: string; points: number; value: Money; wording: Wording; stale: boolean };
}

export interface RewardView {
  rewardId: string;
  name: string;
  kind: 'percentage' | 'fixed' | 'free-ticket';
  percent?: number;
  amount?: Money;
  state: 'active' | 'used' | 'expired' | 'revoked';
  validUntil: string | null;
  usedAt: string | null;
}

export interface CheckoutLine {
  lineId: string;
  productFamily: ProductFamily;
  label: string;
  amountMinor: number;
}

export interface CheckoutRequest {
  currency: string;
  channel: string;
  lines: CheckoutLine[];
  codes: string[];
  points: number;
  voucherCodes: string[];
  useCreditNote: boolean;
}

export interface QuoteView {
  currency: string;
  subtotalMinor: number;
  reductions: { source: string; label: string; ref: string; amountMinor: number; reservedForYou?: boolean }[];
  payments: { method: 'points' | 'partner-points' | 'voucher' | 'credit-note'; label: string; amountMinor: number; points?: number }[];
  dueMinor: number;
  /** Advantages this contact may use, shown with a gift icon. */
  reservedAdvantages?: { advantageId: string; name: string }[];
  pointsAvailable?: number;
  creditNote?: Money;
}

export interface CheckoutView {
  checkoutId: string;
  state: 'held' | 'confirmed' | 'cancelled' | 'expired';
  quote: QuoteView;
  expiresAt: string;
}

export interface RewardProgramView {
  programId: string;
  name: string;
  state: 'active' | 'inactive';
  rewardType: 'percentage' | 'fixed' | 'free-ticket';
}

export interface RewardAnalytics {
  currency: string;
  days: { day: string; granted: number; redeemed: number; discountMinor: number }[];
  redemptionRate: number;
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
