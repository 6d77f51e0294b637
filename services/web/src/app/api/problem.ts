/**
 * RFC 9457 problem+json as the gateway sends it, and the sentence a person reads for it.
 * Every stable code of the platform's catalog (packages/contracts) has its own sentence below,
 * which test-e2e/web/display.test.ts checks. A code added later without one is still recognised
 * by its words when it can be (…_EXPIRED, INSUFFICIENT_…, PARTNER_…_UNAVAILABLE); anything else
 * falls back to the gateway's own detail, never to a blank screen.
 */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  type?: string;
  details?: Record<string, unknown>;
  /** The gateway's Retry-After, when it says how long to wait (503, 429). */
  retryAfterSeconds?: number;
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiProblem';
  }
}

const exact: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended or the token is not valid. Log in again with a fresh token.',
  FORBIDDEN: 'Your role does not allow this action.',
  NOT_FOUND: 'Not found. It may have been removed, or it belongs to another organisation.',
  CONFLICT: 'This conflicts with the current state. Reload and try again.',
  VALIDATION_FAILED: 'Some fields are not valid. Check them and try again.',
  IDEMPOTENCY_KEY_REUSED: 'This request was already sent with different values. Submit the form again.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  UNAVAILABLE: 'A service is unavailable right now. Try again in a moment.',
  TIMEOUT: 'A service did not answer in time. Try again in a moment.',
  INTERNAL: 'Something went wrong on our side. Try again, and tell support if it persists.',
  NETWORK: 'The server cannot be reached. Check the connection and try again.',
  PROMOTION_CODE_UNKNOWN: 'This code is not recognised. Check it and try again.',
  PROMOTION_CODE_NOT_AVAILABLE: 'This code cannot be used: it has expired, was already used or was invalidated.',
  PROMOTION_ADVANTAGE_CLOSED: 'This offer is closed.',
  PAYMENT_EXCEEDS_TOTAL: 'The payments add up to more than the amount due. Lower the points or the voucher amount.',
  PARTNER_REJECTED: 'The loyalty partner refused the request. Try again later or pay another way.',
  PARTNER_INACTIVE: 'Paying with partner points is switched off for now.',
  PARTNER_MEMBER_UNKNOWN: 'This customer is not a member of the loyalty partner yet.',
  PARTNER_SPENDING_NOT_ALLOWED: 'Partner points cannot pay for these products, on this channel or at this point of sale.',
  VOUCHER_PIN_REQUIRED: 'This voucher needs its PIN.',
  VOUCHER_PIN_INVALID: 'The PIN does not match this voucher.',
  VOUCHER_PIN_LOCKED: 'Too many wrong PINs: this voucher is locked for a while.',
  // Loyalty.
  PROGRAM_NOT_FOUND: 'This loyalty program does not exist, or belongs to another organisation.',
  PROGRAM_INACTIVE: 'This loyalty program is not active. Activate it first.',
  ACCOUNT_NOT_FOUND: 'This customer has no loyalty account yet.',
  INSUFFICIENT_POINTS: 'Not enough points for this amount. Lower the number of points used.',
  POINTS_HOLD_NOT_FOUND: 'The points set aside for this order were not found. Start the checkout again.',
  POINTS_HOLD_EXPIRED: 'The checkout took too long and the points set aside were released. Start it again.',
  POINTS_HOLD_CLOSED: 'The points of this order were already spent or given back.',
  REWARD_NOT_FOUND: 'This reward does not exist. It may have been removed.',
  REWARD_NOT_ELIGIBLE: 'This customer does not meet the reward’s conditions. Tick “Grant even if the contact does not meet the conditions” to give it anyway.',
  PRODUCT_NOT_PRICED_IN_POINTS: 'This product cannot be paid with points.',
  REWARD_ALREADY_USED: 'This one-time reward was already used, or is being used in another order.',
  REWARD_HOLD_NOT_FOUND: 'The reward set aside for this order was not found. Start the checkout again.',
  REWARD_HOLD_EXPIRED: 'The checkout took too long and the reward was released. Start it again.',
  REWARD_HOLD_CLOSED: 'The rewards of this order were already given back. Start a new checkout.',
  // Promotion.
  PROMOTION_CODE_TAKEN: 'Another advantage or promo code already uses this code. Choose another code.',
  PROMOTION_MIXED_CURRENCIES: 'The order mixes currencies. Buy in one currency at a time.',
  PROMOTION_QUOTA_EXHAUSTED: 'The quota for this offer has been reached.',
  PROMOTION_PRICE_CHANGED: 'The prices changed while you were ordering. Check the new amount and confirm again.',
  POINTS_PRICE_CHANGED: 'A product’s price in points changed while you were ordering. Check the new number of points and confirm again.',
  PROMOTION_INVALID_TRANSITION: 'This change of state is not possible: an offer goes from draft to in operation, then to closed.',
  PROMOTION_NOT_SINGLE_USE: 'Codes can only be generated for an advantage whose target is single-use codes.',
  PROMOTION_NOT_CONTACTS_TARGET: 'Only an advantage aimed at a contact list has a target list.',
  PROMOTION_FIELD_LOCKED: 'Customers already use this offer, so this field can no longer change. Only the names, channels, end date, end of sale and quota or maximum uses can.',
  PROMOTION_QUOTA_BELOW_TAKEN: 'The quota or maximum uses cannot be lower than what is already sold or held. Choose a higher number.',
  PROMOTION_HOLD_EXPIRED: 'The checkout took too long and the offer was released. Start it again.',
  PROMOTION_HOLD_CAPTURED: 'This order’s offers were already confirmed and cannot be released.',
  PROMOTION_HOLD_CLOSED: 'This order’s offers were already released. Start the checkout again.',
  PROMOTION_IDEMPOTENCY_KEY_REQUIRED: 'The request was incomplete. Submit the form again.',
  // Vouchers and credit notes.
  VOUCHER_NOT_FOUND: 'No voucher has this code. Check it and try again.',
  VOUCHER_EXPIRED: 'This voucher has expired and can no longer be used.',
  VOUCHER_NOT_YET_VALID: 'This voucher is not valid yet.',
  VOUCHER_CANCELLED: 'This voucher was cancelled and can no longer be used.',
  VOUCHER_USED_UP: 'Nothing is left on this voucher.',
  VOUCHER_CURRENCY_MISMATCH: 'This voucher or credit note is in another currency than the order.',
  VOUCHER_INSUFFICIENT_BALANCE: 'The balance is too low for this amount. Lower the amount used.',
  VOUCHER_WRONG_KIND: 'An experience voucher gives a ticket, not money, and a gift voucher gives money, not a ticket: this voucher cannot be used this way.',
  VOUCHER_HOLD_NOT_FOUND: 'The voucher amount set aside for this order was not found. Start the checkout again.',
  VOUCHER_HOLD_EXPIRED: 'The checkout took too long and the voucher amount was released. Start it again.',
  VOUCHER_HOLD_RELEASED: 'The voucher amount of this order was already given back.',
  VOUCHER_HOLD_CAPTURED: 'The voucher amount of this order was already spent.',
  VOUCHER_HOLD_MISMATCH: 'This order already uses this voucher for another amount. Remove the voucher and add it again.',
  VOUCHER_ORDER_RELEASED: 'This order was cancelled and its vouchers given back. Start a new checkout.',
  VOUCHER_VAT_TIMING_NOT_SET: 'Choose when VAT is computed (at sale or at redemption) before selling experience vouchers.',
  VOUCHER_OPEN_PRODUCT_MISSING: 'No open product is set for this VAT code and season. Add one under Open products first.',
  VOUCHER_ALREADY_REDEEMED: 'This experience voucher was already redeemed.',
  CREDIT_NOTE_NOT_FOUND: 'This customer has no credit note in this currency.',
  // Renewals.
  RENEWAL_SEAT_NOT_IN_CONFIGURATION: 'This seat is not part of the venue’s layout.',
  RENEWAL_SEAT_DUPLICATED: 'The same seat is listed twice.',
  RENEWAL_PERFORMANCE_UNKNOWN: 'This performance does not exist.',
  RENEWAL_SEASON_TICKET_UNKNOWN: 'No season ticket with this id in your organisation. Check both season ticket ids.',
  RENEWAL_NOT_FIXED_SEAT: 'The new season ticket must be of the fixed-seat type.',
  RENEWAL_QUOTA_REQUIRED: 'A fixed-seat season ticket needs a global quota.',
  RENEWAL_QUOTA_EXHAUSTED: 'This season ticket is sold out.',
  RENEWAL_SEAT_UNAVAILABLE: 'This seat is not free for every performance. Choose another seat.',
  RENEWAL_SEAT_NOT_IN_CATEGORY: 'This seat is not in the chosen seat category.',
  RENEWAL_SEAT_SELECTION_INCOMPLETE: 'Choose exactly one seat for every performance of the season ticket.',
  RENEWAL_CONTACT_ALREADY_HOLDER: 'This customer already holds this season ticket.',
  RENEWAL_PREFERRED_SEAT_UNKNOWN: 'This customer has no preferred seat in this venue layout.',
  RENEWAL_RUN_UNKNOWN: 'This renewal run does not exist, or belongs to another organisation.',
  RENEWAL_SAME_SEASON_TICKET: 'A season ticket is renewed into another one: choose a different new season ticket.',
  RENEWAL_RESERVATION_UNKNOWN: 'This reservation does not exist.',
  RENEWAL_RESERVATION_EXPIRED: 'The reservation expired and its seats were released. Start again.',
  // Loyalty partners.
  PARTNER_NAME_TAKEN: 'A partner with this name already exists. Choose another name.',
  PARTNER_POINTS_INSUFFICIENT: 'Not enough points at the loyalty partner for this amount. Lower the amount paid with them.',
  PARTNER_CURRENCY_MISMATCH: 'The partner’s points are worth another currency than this order’s.',
  PARTNER_HOLD_EXPIRED: 'The checkout took too long and the partner points were released. Start it again.',
  PARTNER_HOLD_CLOSED: 'The partner points of this order were already spent or given back.',
  PARTNER_DELIVERY_NOT_DEAD: 'Only a message the partner refused after every retry can be sent again.',
  // Checkout.
  CHECKOUT_HOLD_FAILED: 'Part of the order could not be set aside, so nothing was taken. Check the order and try again.',
  CHECKOUT_EXPIRED: 'The checkout took too long and was released. Start it again.',
  CHECKOUT_IN_PROGRESS: 'This order is being processed. Wait a moment and try again.',
  ORDER_NOT_HELD: 'This order is no longer set aside. Start the checkout again.',
  ORDER_CLOSED: 'This order is already confirmed, cancelled or expired.',
  ORDER_MISMATCH: 'This order was already started with another basket. Reload the page and try again.',
  REFUND_EXCEEDS_PAID: 'The refund is more than what was paid.',
};

const partnerUnavailable = 'The loyalty partner is unavailable right now. Your points are safe; try again later or pay another way.';

const families: [RegExp, string][] = [
  [/HOLD.*EXPIRED|CHECKOUT.*EXPIRED/, 'The checkout took too long and was released. Start it again.'],
  [/PARTNER.*UNAVAILABLE|PARTNER.*DOWN|PARTNER_TIMEOUT/, partnerUnavailable],
  [/EXPIRED/, 'This code has expired and can no longer be used.'],
  [/INSUFFICIENT_POINTS|POINTS.*INSUFFICIENT|NOT_ENOUGH_POINTS/, 'Not enough points for this amount. Lower the number of points used.'],
  [/INSUFFICIENT_(BALANCE|FUNDS)|BALANCE.*INSUFFICIENT/, 'The balance is too low for this amount.'],
  [/ALREADY_(USED|REDEEMED)|USED_UP|EXHAUSTED/, 'This code has already been used.'],
  [/INVALIDATED|REVOKED/, 'This code has been invalidated.'],
  [/NOT_YET_VALID|NOT_STARTED/, 'This code is not valid yet.'],
  [/QUOTA/, 'The quota for this offer has been reached.'],
  [/NOT_ELIGIBLE|INELIGIBLE/, 'This offer is not available for this customer or cart.'],
  [/UNKNOWN_CODE|CODE_NOT_FOUND|INVALID_CODE/, 'This code is not recognised. Check it and try again.'],
];

/** Whether a stable code has a sentence of its own (every code of the platform's catalog must). */
export const hasOwnWording = (code: string): boolean => code in exact;

/** The sentence shown first; the gateway's detail and the code are shown under it. */
export function problemMessage(p: Pick<Problem, 'code' | 'detail' | 'title' | 'details'>): string {
  const inner = p.details;
  // A checkout hold that failed names the step and that service's refusal (a wrong PIN, say):
  // that refusal is the one to explain, and a partner that did not answer says so rather than "a service".
  if (p.code === 'CHECKOUT_HOLD_FAILED' && typeof inner?.code === 'string') {
    if (inner.step === 'partner-points' && (inner.code === 'UNAVAILABLE' || inner.code === 'TIMEOUT')) return partnerUnavailable;
    if (hasOwnWording(inner.code)) return problemMessage({ code: inner.code, title: p.title, ...(typeof inner.message === 'string' ? { detail: inner.message } : {}), ...(isRecord(inner.details) ? { details: inner.details } : {}) });
  }
  if (p.code === 'UNAVAILABLE' && typeof inner?.partnerId === 'string') return partnerUnavailable;
  if (p.code === 'VOUCHER_PIN_INVALID' && typeof inner?.attemptsLeft === 'number') {
    return `${exact.VOUCHER_PIN_INVALID} ${inner.attemptsLeft === 1 ? 'One more wrong PIN locks it' : `${inner.attemptsLeft} attempts left before it is locked`}.`;
  }
  const known = exact[p.code];
  if (known) return known;
  const family = families.find(([re]) => re.test(p.code));
  if (family) return family[1];
  return p.detail ?? p.title;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field-level messages of a VALIDATION_FAILED problem, keyed by field path. */
export function fieldIssues(p: Problem): Record<string, string> {
  const issues = p.details?.issues;
  if (!Array.isArray(issues)) return {};
  const out: Record<string, string> = {};
  for (const i of issues as { path?: unknown; message?: unknown }[]) {
    if (typeof i.path === 'string' && typeof i.message === 'string' && !(i.path in out)) out[i.path] = i.message;
  }
  return out;
}

/** Any body a failed response may carry, turned into a Problem. */
export function toProblem(status: number, body: unknown, statusText: string): Problem {
  const b = (body ?? {}) as Partial<Problem>;
  if (typeof b.code === 'string') {
    return {
      status,
      code: b.code,
      title: typeof b.title === 'string' ? b.title : statusText,
      ...(typeof b.detail === 'string' ? { detail: b.detail } : {}),
      ...(typeof b.type === 'string' ? { type: b.type } : {}),
      ...(b.details && typeof b.details === 'object' ? { details: b.details } : {}),
    };
  }
  const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : status >= 500 ? 'UNAVAILABLE' : `HTTP_${status}`;
  return { status, code, title: statusText || `HTTP ${status}` };
}

/**
 * A quote can succeed while a typed code does nothing: the gateway then lists the code under
 * `notApplied` with the promotion service's reason. The sentence a fan reads for each reason.
 */
const notAppliedSentences: Record<string, string> = {
  'validity-ended': 'This code has expired and can no longer be used.',
  'sales-ended': 'Sales for this offer have ended.',
  'not-yet-valid': 'This code is not valid yet.',
  'not-in-operation': 'This offer is not open.',
  'code-used': 'This code has already been used.',
  'code-invalidated': 'This code has been invalidated.',
  'code-held': 'This code is being used in another order right now. Try again in a few minutes.',
  'uses-exhausted': 'This code has been used as many times as allowed.',
  'quota-exhausted': 'The quota for this offer has been reached.',
  'min-cart-not-reached': 'The order is below the minimum amount for this code.',
  'channel-not-allowed': 'This code cannot be used on this sales channel.',
  'currency-mismatch': 'This code is for another currency.',
  'indicator-level-not-met': 'This offer is not available for this customer.',
  'not-in-target-list': 'This offer is not available for this customer.',
  'no-saving': 'This code would not lower the price of this order.',
};

export function notAppliedMessage(reason: string): string {
  return notAppliedSentences[reason] ?? 'This code does not apply to anything in this order.';
}
