import { vouchersBalance, vouchersCapture, vouchersHistory, vouchersHold, vouchersRelease, vouchersCancel, vouchersGet } from '@tlp/contracts';
import { BalanceChanged, contextToHeaders, jsonCodec, VoucherRedeemed } from '@tlp/contracts';
import { newId, sql } from '@tlp/platform';
import { eventually } from '@tlp/testkit';
import { captureAtOnce, holdAtOnce } from '../src/db/at-once';
import { loadAccount } from '../src/db/accounts';
import { ctxOf, ledgerSum, outboxCount, refusal, sell, startHarness, type Harness } from './harness';

const T = 'venue-a';
let h: Harness;

beforeAll(async () => {
  h = await startHarness('voucher-holds', { VOUCHER_HOLD_EXPIRY_POLL_MS: '200' });
});
afterAll(() => h.stop());

/** Locks a voucher's row in a transaction of its own until the returned function is called (and awaited). */
async function lockedRow(voucherId: string): Promise<() => Promise<void>> {
  let release: (() => void) | undefined;
  const locking = h.service.deps.db.transaction(async (tx) => {
    await tx.query(`SELECT id FROM accounts WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [T, voucherId]);
    await new Promise<void>((r) => (release = r));
  });
  await eventually(async () => (release ? true : undefined));
  return async () => {
    release!();
    await locking;
  };
}

describe('financial vouchers at checkout', () => {
  it('sells a voucher whose code reads back its balance, whatever the case typed, and records the sale', async () => {
    const v = await sell(h, T, { valueMinor: 25_000, contactId: 'c-1' });
    expect(v.code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}$/);
    const seen = await h.bus.request(vouchersBalance, ctxOf(T), { code: v.code.toLowerCase().replace(/-/g, ' ') });
    expect(seen).toMatchObject({ voucherId: v.voucherId, balanceMinor: 25_000, currency: 'EUR', status: 'active', codeHint: v.code.slice(-4) });
    const history = await h.bus.request(vouchersHistory, ctxOf(T), { voucherId: v.voucherId });
    expect(history.entries.map((e) => [e.type, e.deltaMinor])).toEqual([['sale', 25_000]]);
    expect(await outboxCount(h, 'evt.voucher.sold', T)).toBeGreaterThanOrEqual(1);
  });

  it('pays several orders in part and keeps the ledger equal to the balance', async () => {
    const v = await sell(h, T, { valueMinor: 10_000 });
    for (const [orderId, amountMinor] of [['o-part-1', 3_000], ['o-part-2', 4_500]] as const) {
      await h.bus.request(vouchersHold, ctxOf(T), { orderId, code: v.code, amountMinor, currency: 'EUR' });
      await h.bus.request(vouchersCapture, ctxOf(T), { orderId });
    }
    const seen = await h.bus.request(vouchersGet, ctxOf(T), { voucherId: v.voucherId });
    expect(seen).toMatchObject({ balanceMinor: 2_500, heldMinor: 0 });
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 2_500, balance: 2_500 });
  });

  it('lets exactly 50 of 100 simultaneous holds of 10.00 through on a voucher of 500.00', async () => {
    const v = await sell(h, T, { valueMinor: 50_000 });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => h.bus.request(vouchersHold, ctxOf(T), { orderId: `o-rush-${i}`, code: v.code, amountMinor: 1_000, currency: 'EUR' })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(50);
    expect(new Set(refused.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(['VOUCHER_INSUFFICIENT_BALANCE']));
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 0, balance: 0, entries: 51 });
  });

  it('applies the same capture once, however often it is repeated', async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-cap', code: v.code, amountMinor: 2_000, currency: 'EUR' });
    const before = await outboxCount(h, 'evt.voucher.redeemed', T);
    const replies = await Promise.all(Array.from({ length: 5 }, () => h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-cap', voucherId: v.voucherId })));
    await h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-cap' });
    expect(replies.every((r) => r.holds.length === 1 && r.holds[0]?.status === 'captured' && r.holds[0].balanceMinor === 3_000)).toBe(true);
    const history = await h.bus.request(vouchersHistory, ctxOf(T), { voucherId: v.voucherId });
    expect(history.entries.map((e) => e.type)).toEqual(['sale', 'hold', 'capture']);
    expect((await outboxCount(h, 'evt.voucher.redeemed', T)) - before).toBe(1);
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 3_000, balance: 3_000 });
  });

  it("shows a voucher's holds in its history with only the contract's fields: no tenant on the wire", async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-seen', code: v.code, amountMinor: 1_000, currency: 'EUR' });
    // The raw reply, before the caller's check strips anything: the service itself sends no more than the contract names.
    const raw = jsonCodec.decode(
      (await h.bus.nc.request(h.bus.subject(vouchersHistory.subject), jsonCodec.encode({ voucherId: v.voucherId }), { timeout: 5000, headers: contextToHeaders(ctxOf(T)) })).data,
    ) as { data: { holds: Record<string, unknown>[] } };
    expect(raw.data.holds.map((hold) => Object.keys(hold).sort())).toEqual([
      ['accountId', 'amountMinor', 'balanceMinor', 'currency', 'expiresAt', 'holdId', 'orderId', 'status'],
    ]);
  });

  it('replays a repeated hold for the same order and refuses another amount for it', async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    const first = await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-rep', code: v.code, amountMinor: 1_500, currency: 'EUR' });
    const again = await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-rep', code: v.code, amountMinor: 1_500, currency: 'EUR' });
    expect(again.holdId).toBe(first.holdId);
    expect(await refusal(h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-rep', code: v.code, amountMinor: 1_600, currency: 'EUR' }))).toBe(
      'VOUCHER_HOLD_MISMATCH',
    );
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 3_500, balance: 3_500, entries: 2 });
  });

  it('gives a released hold back, once, and never captures it afterwards', async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-rel', code: v.code, amountMinor: 2_000, currency: 'EUR' });
    await h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-rel' });
    await h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-rel' });
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-rel' }))).toBe('VOUCHER_HOLD_RELEASED');
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 5_000, balance: 5_000, entries: 3 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-cap2', code: v.code, amountMinor: 1_000, currency: 'EUR' });
    await h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-cap2' });
    expect(await refusal(h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-cap2' }))).toBe('VOUCHER_HOLD_CAPTURED');
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-nobody' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
  });

  it('refuses to capture a hold past its expiry even before the job runs, and the job gives it back', async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-late', code: v.code, amountMinor: 2_000, currency: 'EUR', ttlSeconds: 1 });
    // Stop the job from releasing it first: this checks the capture's own guard.
    await h.service.deps.db.query(`UPDATE job_leases SET holder = 'elsewhere', expires_at = now() + interval '1 hour' WHERE name = 'voucher-hold-expiry'`);
    await h.service.deps.db.query(
      `INSERT INTO job_leases (name, holder, expires_at) VALUES ('voucher-hold-expiry', 'elsewhere', now() + interval '1 hour') ON CONFLICT DO NOTHING`,
    );
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-late' }))).toBe('VOUCHER_HOLD_EXPIRED');
    expect((await h.bus.request(vouchersGet, ctxOf(T), { voucherId: v.voucherId })).balanceMinor).toBe(3_000);
    await h.service.deps.db.query(`DELETE FROM job_leases WHERE name = 'voucher-hold-expiry'`);
    await eventually(async () => ((await h.bus.request(vouchersGet, ctxOf(T), { voucherId: v.voucherId })).balanceMinor === 5_000 ? true : undefined));
    const history = await h.bus.request(vouchersHistory, ctxOf(T), { voucherId: v.voucherId });
    expect(history.entries.map((e) => e.type)).toEqual(['sale', 'hold', 'release']);
    expect(history.holds[0]?.status).toBe('released');
  });

  it('lets an operator, not a fan, cancel a voucher: holds in flight are released and the balance voided', async () => {
    const v = await sell(h, T, { valueMinor: 5_000 });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-cancel', code: v.code, amountMinor: 1_000, currency: 'EUR' });
    const fan = { ...ctxOf(T), actor: { sub: 'fan-1', roles: ['fan' as const] } };
    expect(await refusal(h.bus.request(vouchersCancel, fan, { voucherId: v.voucherId, reason: 'mine' }))).toBe('FORBIDDEN');
    const cancelled = await h.bus.request(vouchersCancel, ctxOf(T), { voucherId: v.voucherId, reason: 'reported stolen' });
    expect(cancelled).toMatchObject({ status: 'cancelled', balanceMinor: 0, heldMinor: 0 });
    await h.bus.request(vouchersCancel, ctxOf(T), { voucherId: v.voucherId, reason: 'reported stolen' });
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-cancel' }))).toBe('VOUCHER_HOLD_RELEASED');
    expect(await refusal(h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-after', code: v.code, amountMinor: 100, currency: 'EUR' }))).toBe(
      'VOUCHER_CANCELLED',
    );
    const history = await h.bus.request(vouchersHistory, ctxOf(T), { voucherId: v.voucherId });
    expect(history.entries.map((e) => [e.type, e.deltaMinor])).toEqual([
      ['sale', 5_000],
      ['hold', -1_000],
      ['release', 1_000],
      ['cancellation', -5_000],
    ]);
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 0, balance: 0 });
  });

  it('holds and captures in one statement each on the usual path, writing events that fit their contracts', async () => {
    const v = await sell(h, T, { valueMinor: 7_000 });
    const { db } = h.service.deps;
    const account = (await loadAccount(db, T, v.voucherId))!;
    const now = new Date();
    const hold = { tenantId: T, id: newId(), accountId: v.voucherId, accountKind: 'voucher' as const, orderId: 'o-once', amountMinor: 2_500, currency: 'EUR', expiresAt: new Date(now.getTime() + 60_000) };
    expect(await holdAtOnce(db, account, hold, now, h.ports)).toBe(4_500);
    expect(await holdAtOnce(db, account, { ...hold, id: newId() }, now, h.ports)).toBeUndefined();
    expect(await holdAtOnce(db, account, { ...hold, id: newId(), orderId: 'o-too-much', amountMinor: 4_501 }, now, h.ports)).toBeUndefined();
    const captured = await captureAtOnce(db, { tenantId: T, orderId: 'o-once', kind: 'voucher' }, now, h.ports);
    expect(captured).toMatchObject({ balanceMinor: 4_500, hold: { id: hold.id, amountMinor: 2_500, status: 'captured' } });
    expect(await captureAtOnce(db, { tenantId: T, orderId: 'o-once', kind: 'voucher' }, now, h.ports)).toBeUndefined();
    const events = await sql<{ type: string; envelope: { data: unknown } }>(
      db,
      `SELECT type, envelope FROM outbox WHERE tenant_id = $1 AND envelope->'data'->>'orderId' = 'o-once' ORDER BY id`,
      [T],
    );
    expect(events.map((e) => e.type)).toEqual(['evt.voucher.balance-changed', 'evt.voucher.redeemed']);
    expect(BalanceChanged.data.parse(events[0]!.envelope.data)).toMatchObject({ balanceMinor: 4_500, deltaMinor: -2_500, entryType: 'hold' });
    expect(VoucherRedeemed.data.parse(events[1]!.envelope.data)).toMatchObject({ voucherId: v.voucherId, amountMinor: 2_500, currency: 'EUR' });
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 4_500, balance: 4_500, entries: 3 });
  });

  it('settles an order paid with two vouchers together, or one voucher at a time', async () => {
    const [a, b] = [await sell(h, T, { valueMinor: 3_000 }), await sell(h, T, { valueMinor: 3_000 })];
    for (const v of [a, b]) await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-two', code: v.code, amountMinor: 2_000, currency: 'EUR' });
    const released = await h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-two', voucherId: b.voucherId });
    expect(released.holds.map((x) => [x.accountId, x.status])).toEqual([[b.voucherId, 'released']]);
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-three', code: b.code, amountMinor: 500, currency: 'EUR' });
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-three', code: a.code, amountMinor: 500, currency: 'EUR' });
    const captured = await h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-three' });
    expect(captured.holds.map((x) => x.status)).toEqual(['captured', 'captured']);
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-two' }))).toBe('VOUCHER_HOLD_RELEASED');
    await h.bus.request(vouchersCapture, ctxOf(T), { orderId: 'o-two', voucherId: a.voucherId });
    expect(await ledgerSum(h, T, a.voucherId)).toMatchObject({ sum: 500, balance: 500 });
    expect(await ledgerSum(h, T, b.voucherId)).toMatchObject({ sum: 2_500, balance: 2_500 });
  });
  it('refuses a hold that arrives after its order was released, and leaves the balance alone', async () => {
    const v = await sell(h, T, { valueMinor: 4_000 });
    // The checkout gave up on this hold and released the order before the hold reached the service.
    expect(await refusal(h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-after-release' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-after-release', code: v.code, amountMinor: 1_000, currency: 'EUR' }))).toBe('VOUCHER_ORDER_RELEASED');
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 4_000, balance: 4_000, entries: 1 });
    // A hold placed before the release is still answered as it was (a retry after the release).
    await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-retried', code: v.code, amountMinor: 500, currency: 'EUR' });
    await h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-retried' });
    const retried = await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-retried', code: v.code, amountMinor: 500, currency: 'EUR' });
    expect(retried).toMatchObject({ status: 'released', balanceMinor: 4_000 });
    // Releasing one voucher of an order does not close the order to the others.
    expect(await refusal(h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-one', voucherId: v.voucherId }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-one', code: v.code, amountMinor: 1_000, currency: 'EUR' })).toMatchObject({ status: 'held' });
  });

  it('makes a release sent while the hold is still being written wait for it, and release it', async () => {
    const v = await sell(h, T, { valueMinor: 4_000 });
    // The voucher's row is locked elsewhere, so the hold stops half-way through its statement.
    const unlock = await lockedRow(v.voucherId);
    const holding = h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-in-flight', code: v.code, amountMinor: 1_000, currency: 'EUR' });
    await new Promise((r) => setTimeout(r, 500));
    const releasing = h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-in-flight' });
    await new Promise((r) => setTimeout(r, 300));
    await unlock();
    expect(await holding).toMatchObject({ status: 'held', balanceMinor: 3_000 });
    expect((await releasing).holds).toEqual([expect.objectContaining({ status: 'released', balanceMinor: 4_000 })]);
    expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 4_000, balance: 4_000, entries: 3 });
  });

  it('does not hold for a checkout that stopped waiting while an earlier batch of holds was stuck', async () => {
    const stuck = await sell(h, T, { valueMinor: 4_000 });
    const other = await sell(h, T, { valueMinor: 4_000 });
    const unlock = await lockedRow(stuck.voucherId);
    const holding = h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-stuck', code: stuck.code, amountMinor: 1_000, currency: 'EUR' });
    await new Promise((r) => setTimeout(r, 300));
    // Waits for the stuck batch to end, longer than its caller waits.
    const givenUp = h.bus.request(vouchersHold, ctxOf(T), { orderId: 'o-given-up', code: other.code, amountMinor: 1_000, currency: 'EUR' }, { timeoutMs: 300 });
    expect(await refusal(givenUp)).toBe('TIMEOUT');
    await unlock();
    expect(await holding).toMatchObject({ status: 'held', balanceMinor: 3_000 });
    // The next batch started without it: nothing is held on the other voucher.
    await new Promise((r) => setTimeout(r, 200));
    expect(await ledgerSum(h, T, other.voucherId)).toMatchObject({ sum: 4_000, balance: 4_000, entries: 1 });
  });
});

