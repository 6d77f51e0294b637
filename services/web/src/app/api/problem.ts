/**
 * RFC 9457 problem+json as the gateway sends it, and the sentence a person reads for it.
 * Services add their own codes over time, so besides the exact codes below a few families are
 * recognised by their words (…_EXPIRED, INSUFFICIENT_…, PARTNER_…_UNAVAILABLE); anything else
 * falls back to the gateway's own detail, never to a blank screen.
 */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail?: string;
  type?: string;
  details?: Record<string, unknown>;
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
  PROGRAM_NOT_FOUND: 'This loyalty program does not exist, or belongs to another organisation.',
  PROGRAM_INACTIVE: 'This loyalty program is not active. Activate it first.',
  RENEWAL_SEASON_TICKET_UNKNOWN: 'No season ticket with this id in your organisation. Check both season ticket ids.',
  RENEWAL_NOT_FIXED_SEAT: 'The new season ticket must be of the fixed-seat type.',
  RENEWAL_SAME_SEASON_TICKET: 'A season ticket is renewed into another one: choose a different new season ticket.',
  RENEWAL_RUN_UNKNOWN: 'This renewal run does not exist, or belongs to another organisation.',
  VOUCHER_NOT_FOUND: 'No voucher has this code. Check it and try again.',
  VOUCHER_EXPIRED: 'This voucher has expired and can no longer be used.',
  VOUCHER_NOT_YET_VALID: 'This voucher is not valid yet.',
  VOUCHER_CANCELLED: 'This voucher was cancelled and can no longer be used.',
  VOUCHER_USED_UP: 'Nothing is left on this voucher.',
  VOUCHER_CURRENCY_MISMATCH: 'This voucher or credit note is in another currency than the order.',
  VOUCHER_INSUFFICIENT_BALANCE: 'The balance is too low for this amount. Lower the amount used.',
  VOUCHER_WRONG_KIND: 'An experience voucher gives a ticket, not money, and a gift voucher gives money, not a ticket: this voucher cannot be used this way.',
  VOUCHER_HOLD_MISMATCH: 'This order already uses this voucher for another amount. Remove the voucher and add it again.',
  VOUCHER_VAT_TIMING_NOT_SET: 'Choose when VAT is computed (at sale or at redemption) before selling experience vouchers.',
  VOUCHER_OPEN_PRODUCT_MISSING: 'No open product is set for this VAT code and season. Add one under Open products first.',
  VOUCHER_ALREADY_REDEEMED: 'This experience voucher was already redeemed.',
  CREDIT_NOTE_NOT_FOUND: 'This customer has no credit note in this currency.',
  ORDER_MISMATCH: 'This order was already started with another basket. Reload the page and try again.',
};

const families: [RegExp, string][] = [
  [/HOLD.*EXPIRED|CHECKOUT.*EXPIRED/, 'The checkout took too long and was released. Start it again.'],
  [/PARTNER.*UNAVAILABLE|PARTNER.*DOWN|PARTNER_TIMEOUT/, 'The loyalty partner is unavailable right now. Your points are safe; try again later or pay another way.'],
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

/** The sentence shown first; the gateway's detail and the code are shown under it. */
export function problemMessage(p: Pick<Problem, 'code' | 'detail' | 'title' | 'details'>): string {
  // A checkout hold that failed names the refusal of the step that failed (a wrong PIN, say): that is the one to explain.
  const inner = p.details;
  if (p.code === 'CHECKOUT_HOLD_FAILED' && typeof inner?.code === 'string') {
    return problemMessage({ code: inner.code, title: p.title, ...(typeof inner.message === 'string' ? { detail: inner.message } : {}), ...(isRecord(inner.details) ? { details: inner.details } : {}) });
  }
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
