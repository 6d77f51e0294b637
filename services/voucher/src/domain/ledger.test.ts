import fc from 'fast-check';
import { AccountModel, captureDecision, releaseDecision, spendRefusal, type Terms } from './ledger';

const T0 = new Date('2026-01-01T00:00:00Z');
const terms = (over: Partial<Terms> = {}): Terms => ({ status: 'active', currency: 'EUR', validFrom: T0, validUntil: new Date('2026-06-01T00:00:00Z'), ...over });

/** A random step of a voucher's or credit note's life; `advanceMs` moves the clock first. */
const opArb = fc.oneof(
  fc.record({ op: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 20_000 }), ref: fc.integer({ min: 0, max: 5 }) }),
  fc.record({
    op: fc.constant('hold' as const),
    order: fc.integer({ min: 0, max: 6 }),
    amount: fc.integer({ min: 1, max: 30_000 }),
    currency: fc.constantFrom('EUR', 'EUR', 'EUR', 'GBP'),
  }),
  fc.record({ op: fc.constant('capture' as const), order: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ op: fc.constant('release' as const), order: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ op: fc.constant('tick' as const), advanceMs: fc.integer({ min: 1, max: 40 * 86_400_000 }) }),
  fc.record({ op: fc.constant('expire' as const) }),
);


describe('account ledger rules', () => {
  it('refuses to spend from a cancelled, expired, not yet valid or other-currency account', () => {
    expect(spendRefusal(terms({ status: 'cancelled' }), 'EUR', T0)).toBe('VOUCHER_CANCELLED');
    expect(spendRefusal(terms(), 'EUR', new Date('2026-06-01T00:00:00Z'))).toBe('VOUCHER_EXPIRED');
    expect(spendRefusal(terms({ validFrom: new Date('2026-02-01T00:00:00Z') }), 'EUR', T0)).toBe('VOUCHER_NOT_YET_VALID');
    expect(spendRefusal(terms(), 'GBP', T0)).toBe('VOUCHER_CURRENCY_MISMATCH');
    expect(spendRefusal(terms(), 'EUR', T0)).toBeUndefined();
  });

  it('does not capture a hold past its expiry, and replays a capture or release already done', () => {
    const hold = { amountMinor: 100, currency: 'EUR', status: 'held' as const, expiresAt: new Date(T0.getTime() + 1000) };
    expect(captureDecision(hold, T0)).toBe('capture');
    expect(captureDecision(hold, new Date(T0.getTime() + 1000))).toBe('VOUCHER_HOLD_EXPIRED');
    expect(captureDecision({ ...hold, status: 'captured' }, T0)).toBe('replay');
    expect(captureDecision({ ...hold, status: 'released' }, T0)).toBe('VOUCHER_HOLD_RELEASED');
    expect(releaseDecision({ ...hold, status: 'released' })).toBe('replay');
    expect(releaseDecision({ ...hold, status: 'captured' })).toBe('VOUCHER_HOLD_CAPTURED');
  });

  it('keeps the ledger sum equal to the balance, never below zero, over any sequence', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.array(opArb, { maxLength: 60 }), (sold, ops) => {
        const account = new AccountModel(terms());
        account.credit('sale', sold, 'sale');
        let now = T0;
        for (const op of ops) {
          if (op.op === 'tick') {
            now = new Date(now.getTime() + op.advanceMs);
            account.releaseExpiredHolds(now);
          } else if (op.op === 'refund') account.credit('credit', op.amount, `refund-${op.ref}`);
          else if (op.op === 'hold') account.hold(`o${op.order}`, op.amount, op.currency, now, 15 * 60_000);
          else if (op.op === 'capture') account.capture(`o${op.order}`, now);
          else if (op.op === 'release') account.release(`o${op.order}`);
          else account.expire(now);
          const sum = account.entries.reduce((s, e) => s + e.deltaMinor, 0);
          expect(sum).toBe(account.balanceMinor);
          expect(account.balanceMinor).toBeGreaterThanOrEqual(0);
          expect(account.entries.every((e) => e.balanceAfterMinor >= 0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets captured plus held amounts exceed what was sold and refunded', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const account = new AccountModel(terms());
        account.credit('sale', 50_000, 'sale');
        const now = T0;
        for (const op of ops) {
          if (op.op === 'hold') account.hold(`o${op.order}`, op.amount, 'EUR', now, 60_000);
          else if (op.op === 'capture') account.capture(`o${op.order}`, now);
          else if (op.op === 'release') account.release(`o${op.order}`);
          else if (op.op === 'refund') account.credit('credit', op.amount, `r${op.ref}`);
        }
        const credited = account.entries.filter((e) => e.deltaMinor > 0 && e.type !== 'release').reduce((s, e) => s + e.deltaMinor, 0);
        let spent = 0;
        for (const h of account.holds.values()) if (h.status !== 'released') spent += h.amountMinor;
        expect(spent + account.balanceMinor).toBe(credited);
      }),
    );
  });

  it('expires only once the validity ended and nothing is held, forfeiting the balance', () => {
    const account = new AccountModel(terms());
    account.credit('sale', 5_000, 'sale');
    account.hold('o1', 1_000, 'EUR', new Date('2026-05-31T23:55:00Z'), 15 * 60_000);
    const after = new Date('2026-06-01T00:01:00Z');
    expect(account.expire(after)).toEqual({ ok: true, changed: false });
    expect(account.capture('o1', after)).toEqual({ ok: true, changed: true });
    expect(account.expire(after)).toEqual({ ok: true, changed: true });
    expect(account.balanceMinor).toBe(0);
    expect(account.entries.at(-1)).toMatchObject({ type: 'expiry', deltaMinor: -4_000 });
  });
});
