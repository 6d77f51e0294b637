/**
 * The rules of a stored-value account (financial voucher or credit note), apart from storage.
 * The available balance moves with every ledger entry: a hold takes the amount, a release gives
 * it back, a capture only records that the hold became a payment. So the ledger's sum is the
 * balance at every moment, and the database applies the same decisions with guarded updates.
 */

export type AccountStatus = 'active' | 'redeemed' | 'expired' | 'cancelled';
export type EntryType = 'sale' | 'credit' | 'hold' | 'release' | 'capture' | 'expiry' | 'cancellation' | 'conversion';
export type HoldStatus = 'held' | 'captured' | 'released';

export type Refusal =
  | 'VOUCHER_EXPIRED'
  | 'VOUCHER_NOT_YET_VALID'
  | 'VOUCHER_CANCELLED'
  | 'VOUCHER_ALREADY_REDEEMED'
  | 'VOUCHER_CURRENCY_MISMATCH'
  | 'VOUCHER_INSUFFICIENT_BALANCE'
  | 'VOUCHER_HOLD_NOT_FOUND'
  | 'VOUCHER_HOLD_EXPIRED'
  | 'VOUCHER_HOLD_RELEASED'
  | 'VOUCHER_HOLD_CAPTURED'
  | 'VOUCHER_HOLD_MISMATCH'
  | 'VOUCHER_ORDER_RELEASED';

export interface Terms {
  status: AccountStatus;
  currency: string;
  validFrom: Date;
  /** Credit notes do not expire. */
  validUntil: Date | null;
}

export const isPastValidity = (terms: Terms, now: Date): boolean => terms.validUntil !== null && now >= terms.validUntil;

/** Why the account cannot pay in `currency` now, if it cannot. The amount is checked by the guarded debit. */
export function spendRefusal(terms: Terms, currency: string, now: Date): Refusal | undefined {
  if (terms.status === 'cancelled') return 'VOUCHER_CANCELLED';
  if (terms.status === 'redeemed') return 'VOUCHER_ALREADY_REDEEMED';
  if (terms.status === 'expired' || isPastValidity(terms, now)) return 'VOUCHER_EXPIRED';
  if (now < terms.validFrom) return 'VOUCHER_NOT_YET_VALID';
  if (terms.currency !== currency) return 'VOUCHER_CURRENCY_MISMATCH';
  return undefined;
}

export interface HoldTerms {
  amountMinor: number;
  currency: string;
  status: HoldStatus;
  expiresAt: Date;
}

/** A hold asked again for the same order: the same amount replays it, another is refused. */
export const holdRepeatRefusal = (existing: HoldTerms, amountMinor: number, currency: string): Refusal | undefined =>
  existing.amountMinor === amountMinor && existing.currency === currency ? undefined : 'VOUCHER_HOLD_MISMATCH';

/** A hold past its expiry is not capturable even before the expiry job releases it. */
export function captureDecision(hold: HoldTerms, now: Date): 'capture' | 'replay' | Refusal {
  if (hold.status === 'captured') return 'replay';
  if (hold.status === 'released') return 'VOUCHER_HOLD_RELEASED';
  return now >= hold.expiresAt ? 'VOUCHER_HOLD_EXPIRED' : 'capture';
}

export function releaseDecision(hold: HoldTerms): 'release' | 'replay' | Refusal {
  if (hold.status === 'released') return 'replay';
  if (hold.status === 'captured') return 'VOUCHER_HOLD_CAPTURED';
  return 'release';
}

export interface Entry {
  type: EntryType;
  deltaMinor: number;
  balanceAfterMinor: number;
  orderId?: string;
  ref?: string;
}

export type Outcome = { ok: true; changed: boolean } | { ok: false; refusal: Refusal };

const ok = (changed: boolean): Outcome => ({ ok: true, changed });
const refuse = (refusal: Refusal): Outcome => ({ ok: false, refusal });

/**
 * One account in memory, applying the rules above: the reference the property tests hold the
 * database to, operation by operation.
 */
export class AccountModel {
  balanceMinor = 0;
  readonly entries: Entry[] = [];
  readonly holds = new Map<string, HoldTerms>();
  /** Orders released as a whole: closed to new holds. */
  private readonly closed = new Set<string>();
  private readonly refs = new Set<string>();

  constructor(public terms: Terms) {}

  get heldMinor(): number {
    let sum = 0;
    for (const h of this.holds.values()) if (h.status === 'held') sum += h.amountMinor;
    return sum;
  }

  /** A sale or a refund adds value; once per reference. */
  credit(type: 'sale' | 'credit', amountMinor: number, ref: string): Outcome {
    if (this.refs.has(ref)) return ok(false);
    this.refs.add(ref);
    this.append({ type, deltaMinor: amountMinor, ref });
    return ok(true);
  }

  hold(orderId: string, amountMinor: number, currency: string, now: Date, ttlMs: number): Outcome {
    const existing = this.holds.get(orderId);
    if (existing) {
      const refusal = holdRepeatRefusal(existing, amountMinor, currency);
      return refusal ? refuse(refusal) : ok(false);
    }
    if (this.closed.has(orderId)) return refuse('VOUCHER_ORDER_RELEASED');
    const refusal = spendRefusal(this.terms, currency, now);
    if (refusal) return refuse(refusal);
    if (this.balanceMinor < amountMinor) return refuse('VOUCHER_INSUFFICIENT_BALANCE');
    this.holds.set(orderId, { amountMinor, currency, status: 'held', expiresAt: new Date(now.getTime() + ttlMs) });
    this.append({ type: 'hold', deltaMinor: -amountMinor, orderId });
    return ok(true);
  }

  capture(orderId: string, now: Date): Outcome {
    const hold = this.holds.get(orderId);
    if (!hold) return refuse('VOUCHER_HOLD_NOT_FOUND');
    const decision = captureDecision(hold, now);
    if (decision === 'replay') return ok(false);
    if (decision !== 'capture') return refuse(decision);
    hold.status = 'captured';
    this.append({ type: 'capture', deltaMinor: 0, orderId });
    return ok(true);
  }

  /** `wholeOrder`: released by order rather than by account, which closes the order to new holds. */
  release(orderId: string, wholeOrder = false): Outcome {
    if (wholeOrder) this.closed.add(orderId);
    const hold = this.holds.get(orderId);
    if (!hold) return refuse('VOUCHER_HOLD_NOT_FOUND');
    const decision = releaseDecision(hold);
    if (decision === 'replay') return ok(false);
    if (decision !== 'release') return refuse(decision);
    hold.status = 'released';
    this.append({ type: 'release', deltaMinor: hold.amountMinor, orderId });
    return ok(true);
  }

  /** The hold-expiry job: every hold past its expiry goes back to the balance. */
  releaseExpiredHolds(now: Date): void {
    for (const [orderId, hold] of this.holds) if (hold.status === 'held' && now >= hold.expiresAt) this.release(orderId);
  }

  /**
   * The voucher-expiry job: a voucher past its validity with no hold in flight forfeits its
   * balance (an order that held it before the end may still finish).
   */
  expire(now: Date): Outcome {
    if (this.terms.status !== 'active' || !isPastValidity(this.terms, now) || this.heldMinor > 0) return ok(false);
    this.terms = { ...this.terms, status: 'expired' };
    this.append({ type: 'expiry', deltaMinor: -this.balanceMinor });
    return ok(true);
  }

  /** An operator's cancellation releases holds in flight and voids the balance. */
  cancel(): Outcome {
    if (this.terms.status === 'cancelled') return ok(false);
    for (const [orderId, hold] of this.holds) if (hold.status === 'held') this.release(orderId);
    this.terms = { ...this.terms, status: 'cancelled' };
    this.append({ type: 'cancellation', deltaMinor: -this.balanceMinor });
    return ok(true);
  }

  /** Part of a credit note leaves for the loyalty program; once per conversion. */
  convert(conversionId: string, amountMinor: number, currency: string, now: Date): Outcome {
    if (this.refs.has(conversionId)) return ok(false);
    const refusal = spendRefusal(this.terms, currency, now);
    if (refusal) return refuse(refusal);
    if (this.balanceMinor < amountMinor) return refuse('VOUCHER_INSUFFICIENT_BALANCE');
    this.refs.add(conversionId);
    this.append({ type: 'conversion', deltaMinor: -amountMinor, ref: conversionId });
    return ok(true);
  }

  private append(e: Omit<Entry, 'balanceAfterMinor'>): void {
    this.balanceMinor += e.deltaMinor;
    this.entries.push({ ...e, balanceAfterMinor: this.balanceMinor });
  }
}
