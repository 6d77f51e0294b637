import { DomainError } from '@tlp/contracts';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { convertToPoints, creditRefund, holdCreditNote, settleCreditNoteHolds } from '../src/app/credit-notes';
import { releaseExpiredHolds } from '../src/app/holds';
import { expireVouchers, holdVoucher, sellVoucher, settleVoucherHolds } from '../src/app/vouchers';
import { AccountModel, type Outcome } from '../src/domain/ledger';
import { ledgerSum, startHarness, type Harness } from './harness';

/**
 * The database held to the pure ledger model: the same random life of a voucher and a credit note
 * is applied to both, each operation must be accepted or refused alike, and after each one the
 * stored ledger sums to the stored balance, which equals the model's and is never negative.
 */
let h: Harness;
beforeAll(async () => {
  // The service's own jobs stay out of the way (they run on the real clock, the test on its own).
  h = await startHarness('voucher-ledger-property', { VOUCHER_HOLD_EXPIRY_POLL_MS: '600000', VOUCHER_EXPIRY_POLL_MS: '600000' });
});
afterAll(() => h.stop());

const HOLD_TTL_MS = 15 * 60_000;
const target = fc.constantFrom('voucher' as const, 'credit-note' as const);
const op = fc.oneof(
  fc.record({ op: fc.constant('refund' as const), amount: fc.integer({ min: 1, max: 20_000 }), ref: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('hold' as const), target, order: fc.integer({ min: 0, max: 4 }), amount: fc.integer({ min: 1, max: 30_000 }), foreign: fc.boolean() }),
  fc.record({ op: fc.constant('capture' as const), target, order: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('release' as const), target, order: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ op: fc.constant('convert' as const), amount: fc.integer({ min: 1, max: 20_000 }), ref: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 60 * 24 * 20 }) }),
  fc.record({ op: fc.constant('expire' as const) }),
);

async function outcome(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    if (e instanceof DomainError) return e.code;
    throw e;
  }
}
const expected = (o: Outcome): string => (o.ok ? 'ok' : o.refusal);

describe('ledger against the database', () => {
  it('agrees with the model over random sell, hold, capture, release, refund, convert and expire sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 60 }), fc.array(op, { minLength: 5, maxLength: 25 }), async (sold, days, ops) => {
        const tenantId = `prop-${run++}`;
        const ctx = { tenantId, requestId: randomUUID() };
        const ports = h.ports;
        const contactId = 'fan';
        const sale = await sellVoucher(ctx, ports, { saleId: 'sale', currency: 'EUR', validUntil: new Date(ports.clock.now.getTime() + days * 86_400_000).toISOString() }, { kind: 'financial', valueMinor: sold });
        const voucher = new AccountModel({ status: 'active', currency: 'EUR', validFrom: ports.clock.now, validUntil: new Date(sale.validUntil) });
        voucher.credit('sale', sold, 'sale');
        let note: AccountModel | undefined;
        let noteId: string | undefined;
        // Orders released before the contact had a credit note are closed all the same.
        const releasedBeforeNote: string[] = [];

        for (const o of ops) {
          const now = ports.clock.now;
          let want: string;
          let got: string;
          if (o.op === 'refund') {
            if (!note) {
              note = new AccountModel({ status: 'active', currency: 'EUR', validFrom: new Date(0), validUntil: null });
              for (const orderId of releasedBeforeNote) note.release(orderId, true);
            }
            want = expected(note.credit('credit', o.amount, `r${o.ref}`));
            got = await outcome(async () => {
              noteId = (await creditRefund(ctx, ports, { refundId: `r${o.ref}`, contactId, amountMinor: o.amount, currency: 'EUR' })).creditNoteId;
            });
            // A repeated refund id replays the first refund, whatever its amount now says.
            if (got === 'IDEMPOTENCY_KEY_REUSED') got = 'ok';
          } else if (o.op === 'convert') {
            want = note ? expected(note.convert(`c${o.ref}`, o.amount, 'EUR', now)) : 'CREDIT_NOTE_NOT_FOUND';
            got = await outcome(() => convertToPoints(ctx, ports, { conversionId: `c${o.ref}`, contactId, amountMinor: o.amount, currency: 'EUR' }));
            if (got === 'IDEMPOTENCY_KEY_REUSED') got = 'ok';
          } else if (o.op === 'hold' && o.target === 'voucher') {
            const currency = o.foreign ? 'GBP' : 'EUR';
            want = expected(voucher.hold(`v${o.order}`, o.amount, currency, now, HOLD_TTL_MS));
            got = await outcome(() => holdVoucher(ctx, ports, { orderId: `v${o.order}`, code: sale.code, amountMinor: o.amount, currency }));
          } else if (o.op === 'hold') {
            want = note ? expected(note.hold(`n${o.order}`, o.amount, 'EUR', now, HOLD_TTL_MS)) : 'CREDIT_NOTE_NOT_FOUND';
            got = await outcome(() => holdCreditNote(ctx, ports, { orderId: `n${o.order}`, contactId, amountMinor: o.amount, currency: 'EUR' }));
          } else if (o.op === 'capture' || o.op === 'release') {
            const model = o.target === 'voucher' ? voucher : note;
            const orderId = `${o.target === 'voucher' ? 'v' : 'n'}${o.order}`;
            // The voucher's holds are released by voucher, the credit note's by order (which closes the order).
            want = model ? expected(o.op === 'capture' ? model.capture(orderId, now) : model.release(orderId, o.target !== 'voucher')) : 'VOUCHER_HOLD_NOT_FOUND';
            if (!model && o.op === 'release') releasedBeforeNote.push(orderId);
            got = await outcome(() =>
              o.target === 'voucher' ? settleVoucherHolds(ctx, ports, { orderId, voucherId: sale.voucherId }, o.op) : settleCreditNoteHolds(ctx, ports, orderId, o.op),
            );
          } else if (o.op === 'tick') {
            ports.clock.now = new Date(now.getTime() + o.minutes * 60_000);
            voucher.releaseExpiredHolds(ports.clock.now);
            note?.releaseExpiredHolds(ports.clock.now);
            while ((await releaseExpiredHolds(ports)) > 0);
            want = got = 'ok';
          } else {
            voucher.expire(now);
            while ((await expireVouchers(ports)) > 0);
            want = got = 'ok';
          }
          expect([o.op, got]).toEqual([o.op, want]);
          for (const [id, model] of [[sale.voucherId, voucher], [noteId, note]] as const) {
            if (!id || !model) continue;
            const stored = await ledgerSum(h, tenantId, id);
            expect(stored.sum).toBe(stored.balance);
            expect(stored.balance).toBe(model.balanceMinor);
            expect(stored.balance).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 25 },
    );
  });
});
