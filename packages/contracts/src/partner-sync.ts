import { z } from 'zod';
import { Currency, NonEmpty, PointsWording, Timestamp, Uuid } from './common';
import { defineErrors } from './errors';
import { ProductFamily } from './events';
import { defineRequest, healthContract } from './rpc';

/** Subjects and events of the partner-sync service. */
export const partnerSyncHealth = healthContract('partner-sync');

export const partnerSyncErrors = defineErrors({
  PARTNER_NAME_TAKEN: { status: 409, title: 'This tenant already has a partner with that name' },
  PARTNER_INACTIVE: { status: 409, title: 'The partner link is switched off' },
  PARTNER_MEMBER_UNKNOWN: { status: 404, title: 'The contact is not known to the partner' },
  PARTNER_POINTS_INSUFFICIENT: { status: 409, title: 'Not enough partner points' },
  PARTNER_SPENDING_NOT_ALLOWED: { status: 422, title: 'Partner points cannot pay for this (product family, channel or point of sale)' },
  PARTNER_CURRENCY_MISMATCH: { status: 422, title: 'The partner points convert to another currency' },
  PARTNER_HOLD_EXPIRED: { status: 409, title: 'The partner points hold expired' },
  PARTNER_HOLD_CLOSED: { status: 409, title: 'The partner points hold was already captured or released' },
  PARTNER_REJECTED: { status: 502, title: 'The partner refused the request' },
  PARTNER_DELIVERY_NOT_DEAD: { status: 409, title: 'Only a dead-lettered delivery can be replayed' },
});

/**
 * A Standard Webhooks secret: `whsec_` and the base64 of 24 to 64 random bytes. Never logged,
 * never returned: replies show a fingerprint.
 */
export const WebhookSecret = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64')
  .refine((s) => {
    const n = Buffer.from(s.slice(6), 'base64').length;
    return n >= 24 && n <= 64;
  }, 'the key must be 24 to 64 bytes');

/** `points` partner points are worth `amountMinor` of `currency` (e.g. 100 points = 100 pence). */
export const PointsConversion = z.object({
  points: z.int().positive(),
  amountMinor: z.int().positive(),
  currency: Currency,
});
export type PointsConversion = z.infer<typeof PointsConversion>;

/** A list that restricts, or null for "no restriction". */
const Only = <T extends z.ZodType>(item: T) => z.array(item).nullable().default(null);

/** Which purchases earn partner points, as agreed with the partner (seed 000). */
export const EarnRules = z.object({
  enabled: z.boolean().default(true),
  /** Only contacts holding a season ticket earn (known from the contact or bought in the same order). */
  seasonTicketHoldersOnly: z.boolean().default(false),
  channels: Only(NonEmpty),
  pointsOfSale: Only(NonEmpty),
  productFamilies: Only(ProductFamily),
  /** `points` earned for every `perMinor` paid on an eligible line, rounded down. */
  rate: z.object({ points: z.int().positive(), perMinor: z.int().positive() }).default({ points: 1, perMinor: 100 }),
});
export type EarnRules = z.infer<typeof EarnRules>;

/** Where and on what partner points may be spent. */
export const SpendRules = z.object({
  enabled: z.boolean().default(true),
  channels: Only(NonEmpty),
  pointsOfSale: Only(NonEmpty),
  /** Lines of these families cannot be paid with points. */
  blockedFamilies: z.array(ProductFamily).default([]),
  /** When set, only lines of these families can be paid with points. */
  allowedFamilies: Only(ProductFamily),
});
export type SpendRules = z.infer<typeof SpendRules>;

const PartnerSettings = z.object({
  name: NonEmpty,
  apiBaseUrl: z.url({ protocol: /^https?$/ }),
  /** Sent as a bearer token to the partner's API. */
  apiKey: z.string().min(8).max(500),
  /** Wording shown to people: "points", "Rewards4Rugby points", { one: "star", other: "stars" }. */
  wording: PointsWording,
  conversion: PointsConversion,
  earn: EarnRules.default(EarnRules.parse({})),
  spend: SpendRules.default(SpendRules.parse({})),
  active: z.boolean().default(true),
});

export const SecretView = z.object({ fingerprint: z.string(), addedAt: Timestamp, expiresAt: Timestamp.nullable() });

export const PartnerView = z.object({
  partnerId: Uuid,
  name: z.string(),
  apiBaseUrl: z.string(),
  apiKeyFingerprint: z.string(),
  /** Secrets the partner signs its webhooks with. */
  inboundSecrets: z.array(SecretView),
  /** Secrets we sign our requests to the partner with. */
  outboundSecrets: z.array(SecretView),
  /** Where the partner sends webhooks, on this service's HTTP server. */
  webhookPath: z.string(),
  wording: PointsWording,
  conversion: PointsConversion,
  earn: EarnRules,
  spend: SpendRules,
  active: z.boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PartnerView = z.infer<typeof PartnerView>;

export const partnersCreate = defineRequest(
  'partner-sync.v1.partners.create',
  PartnerSettings.extend({
    inboundSecrets: z.array(WebhookSecret).min(1).max(5),
    outboundSecrets: z.array(WebhookSecret).min(1).max(5),
  }),
  PartnerView,
);

export const partnersUpdate = defineRequest(
  'partner-sync.v1.partners.update',
  z.object({
    partnerId: Uuid,
    name: NonEmpty.optional(),
    apiBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
    apiKey: z.string().min(8).max(500).optional(),
    wording: PointsWording.optional(),
    conversion: PointsConversion.optional(),
    earn: EarnRules.optional(),
    spend: SpendRules.optional(),
    active: z.boolean().optional(),
  }),
  PartnerView,
);

export const partnersGet = defineRequest('partner-sync.v1.partners.get', z.object({ partnerId: Uuid }), PartnerView);

export const partnersList = defineRequest('partner-sync.v1.partners.list', z.object({}), z.object({ partners: z.array(PartnerView) }));

/**
 * Adds a secret; the others stay valid for `graceSeconds` (inbound: still accepted; outbound:
 * still signed with, beside the new one), so the partner can switch without losing a message.
 */
export const partnersRotateSecret = defineRequest(
  'partner-sync.v1.partners.rotate-secret',
  z.object({
    partnerId: Uuid,
    direction: z.enum(['inbound', 'outbound']),
    secret: WebhookSecret,
    graceSeconds: z.int().min(0).max(30 * 86400).default(86400),
  }),
  PartnerView,
);

export const PartnerBalance = z.object({
  partnerId: Uuid,
  contactId: z.string(),
  points: z.int(),
  /** What the points are worth, rounded down. */
  value: z.object({ amountMinor: z.int(), currency: Currency }),
  wording: PointsWording,
  /** True when the partner did not answer and this is the last balance it told us. */
  stale: z.boolean(),
  asOf: Timestamp,
});
export type PartnerBalance = z.infer<typeof PartnerBalance>;

export const balancesGet = defineRequest(
  'partner-sync.v1.balances.get',
  z.object({ partnerId: Uuid, contactId: NonEmpty }),
  PartnerBalance,
);

/**
 * A contact's balance with every active partner of the tenant, for a checkout's quote, in one
 * request: a partner that is down and never gave this contact a balance is listed as
 * unavailable; one the contact is not a member of, or that refuses, is left out.
 */
export const balancesOfContact = defineRequest(
  'partner-sync.v1.balances.of-contact',
  z.object({ contactId: NonEmpty }),
  z.object({ balances: z.array(PartnerBalance), unavailable: z.array(Uuid) }),
  { together: true },
);

export const SpendLine = z.object({ lineId: NonEmpty, productFamily: ProductFamily, amountMinor: z.int().nonnegative() });

export const PartnerHold = z.object({
  holdId: Uuid,
  partnerId: Uuid,
  orderId: z.string(),
  contactId: z.string(),
  points: z.int().positive(),
  amountMinor: z.int().positive(),
  currency: Currency,
  state: z.enum(['held', 'captured', 'released', 'expired']),
  expiresAt: Timestamp,
});
export type PartnerHold = z.infer<typeof PartnerHold>;

/** Holds partner points for part of an order (a spend authorisation at the partner); one per order. */
export const spendHold = defineRequest(
  'partner-sync.v1.spend.hold',
  z.object({
    partnerId: Uuid,
    orderId: NonEmpty,
    contactId: NonEmpty,
    channel: NonEmpty,
    pointOfSale: NonEmpty.optional(),
    /** The amount the customer pays with points. */
    amountMinor: z.int().positive(),
    currency: Currency,
    lines: z.array(SpendLine).min(1),
  }),
  PartnerHold,
);

export const spendCapture = defineRequest('partner-sync.v1.spend.capture', z.object({ orderId: NonEmpty }), PartnerHold);
export const spendRelease = defineRequest('partner-sync.v1.spend.release', z.object({ orderId: NonEmpty }), PartnerHold);

export const DeliveryKind = z.enum(['member.share', 'earn', 'earn.reversal', 'spend.capture', 'spend.release', 'spend.refund']);
export type DeliveryKind = z.infer<typeof DeliveryKind>;
export const DeliveryState = z.enum(['pending', 'delivered', 'dead']);

export const DeliveryView = z.object({
  deliveryId: Uuid,
  partnerId: Uuid,
  kind: DeliveryKind,
  sourceKey: z.string(),
  state: DeliveryState,
  attempts: z.int().nonnegative(),
  nextAttemptAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
  createdAt: Timestamp,
  deliveredAt: Timestamp.nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const deliveriesList = defineRequest(
  'partner-sync.v1.deliveries.list',
  z.object({
    state: DeliveryState.default('dead'),
    partnerId: Uuid.optional(),
    limit: z.int().min(1).max(500).default(100),
    /** The last delivery id of the previous page. */
    after: Uuid.optional(),
  }),
  z.object({ deliveries: z.array(DeliveryView) }),
);

/** Sends a dead-lettered message again, under the same message id (the partner drops a copy). */
export const deliveriesReplay = defineRequest('partner-sync.v1.deliveries.replay', z.object({ deliveryId: Uuid }), DeliveryView);
