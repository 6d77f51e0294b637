import { vouchersBalance, vouchersCancel, vouchersCapture, vouchersGet, vouchersHistory, vouchersHold, vouchersRelease } from '@tlp/contracts';
import { connectRedis, REDIS_DEADLINE_MS } from '@tlp/platform';
import { eventually, tcpRelay } from '@tlp/testkit';
import { openVoucher } from '../src/app/access';
import { expireVouchers } from '../src/app/vouchers';
import { ctxOf, ledgerSum, outboxCount, refusal, sell, startHarness, type Harness } from './harness';

const A = 'venue-a';
const B = 'venue-b';
let h: Harness;

beforeAll(async () => {
  h = await startHarness('voucher-access', { VOUCHER_PIN_MAX_ATTEMPTS: '3', VOUCHER_PIN_LOCK_SECONDS: '3', VOUCHER_EXPIRY_POLL_MS: '300' });
});
afterAll(() => h.stop());

/** The voucher as stored: balance, ledger length and sum, to show a refusal changed nothing. */
const snapshot = async (tenantId: string, voucherId: string) => ledgerSum(h, tenantId, voucherId);

describe('bad input and other tenants', () => {
  it('refuses a wrong code, another currency, too much and a missing voucher id with typed errors, changing nothing', async () => {
    const v = await sell(h, A, { valueMinor: 5_000 });
    const before = await snapshot(A, v.voucherId);
    const hold = (over: object) => h.bus.request(vouchersHold, ctxOf(A), { orderId: 'o-bad', code: v.code, amountMinor: 1_000, currency: 'EUR', ...over });
    expect(await refusal(hold({ code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' }))).toBe('VOUCHER_NOT_FOUND');
    expect(await refusal(hold({ currency: 'GBP' }))).toBe('VOUCHER_CURRENCY_MISMATCH');
    expect(await refusal(hold({ amountMinor: 5_001 }))).toBe('VOUCHER_INSUFFICIENT_BALANCE');
    expect(await refusal(hold({ amountMinor: -5 }))).toBe('VALIDATION_FAILED');
    expect(await refusal(h.bus.request(vouchersGet, ctxOf(A), { voucherId: 'not-a-uuid' }))).toBe('VOUCHER_NOT_FOUND');
    expect(await snapshot(A, v.voucherId)).toEqual(before);
    // The refused hold left no row behind: the same order can still hold.
    await hold({});
    expect((await snapshot(A, v.voucherId)).balance).toBe(4_000);
  });

  it('refuses an expired voucher before the job runs, then the job forfeits its balance once', async () => {
    const v = await sell(h, A, { valueMinor: 3_000, validUntil: new Date(Date.now() + 1_000).toISOString() });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await refusal(h.bus.request(vouchersHold, ctxOf(A), { orderId: 'o-exp', code: v.code, amountMinor: 100, currency: 'EUR' }))).toBe('VOUCHER_EXPIRED');
    await eventually(async () => ((await h.bus.request(vouchersGet, ctxOf(A), { voucherId: v.voucherId })).status === 'expired' ? true : undefined));
    await expireVouchers(h.ports);
    const history = await h.bus.request(vouchersHistory, ctxOf(A), { voucherId: v.voucherId });
    expect(history.entries.map((e) => [e.type, e.deltaMinor])).toEqual([
      ['sale', 3_000],
      ['expiry', -3_000],
    ]);
    expect(await outboxCount(h, 'evt.voucher.expired', A)).toBe(1);
  });

  it('asks for the PIN, refuses a wrong one, and locks the voucher after repeated wrong ones, even against the right one', async () => {
    const v = await sell(h, A, { valueMinor: 2_000, pin: '4321' });
    const before = await snapshot(A, v.voucherId);
    const hold = (pin?: string) =>
      h.bus.request(vouchersHold, ctxOf(A), { orderId: `o-pin-${pin}`, code: v.code, amountMinor: 500, currency: 'EUR', ...(pin ? { pin } : {}) });
    expect(await refusal(hold())).toBe('VOUCHER_PIN_REQUIRED');
    expect(await refusal(hold('0000'))).toBe('VOUCHER_PIN_INVALID');
    expect(await refusal(h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '1111' }))).toBe('VOUCHER_PIN_INVALID');
    expect(await refusal(hold('2222'))).toBe('VOUCHER_PIN_LOCKED');
    expect(await refusal(hold('4321'))).toBe('VOUCHER_PIN_LOCKED');
    expect(await snapshot(A, v.voucherId)).toEqual(before);
    await new Promise((r) => setTimeout(r, 3_100));
    expect((await hold('4321')).balanceMinor).toBe(1_500);
  });

  it('refuses a voucher with a PIN as unavailable (503) while Redis is unreachable, rather than opening it uncounted or hanging', async () => {
    const v = await sell(h, A, { valueMinor: 2_000, pin: '2468' });
    const withoutPin = await sell(h, A, { valueMinor: 1_000 });
    const relay = await tcpRelay(h.infra.redisUrl, 6379);
    const redis = await connectRedis(relay.url, h.ports.logger);
    try {
      relay.cut();
      await eventually(async () => (redis.isReady ? undefined : true));
      const ports = { ...h.ports, redis };
      await expect(openVoucher(ctxOf(A), ports, v.code, '2468')).rejects.toMatchObject({ code: 'UNAVAILABLE', details: { retryAfterSeconds: 5 } });
      await expect(openVoucher(ctxOf(A), ports, v.code, '0000')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      // A voucher without a PIN needs no count: it still opens.
      expect((await openVoucher(ctxOf(A), ports, withoutPin.code, undefined)).id).toBe(withoutPin.voucherId);
    } finally {
      redis.destroy();
    }
  });

  it('reports a fault of the PIN check that is not Redis as itself, not as Redis unavailable', async () => {
    const v = await sell(h, A, { valueMinor: 2_000, pin: '8642' });
    const broken = new Error('keys misconfigured');
    const failing = jest.spyOn(h.ports.keys, 'key').mockImplementation(() => {
      throw broken;
    });
    try {
      await expect(openVoucher(ctxOf(A), h.ports, v.code, '8642')).rejects.toBe(broken);
    } finally {
      failing.mockRestore();
    }
  });

  it('refuses a voucher with a PIN as unavailable once the Redis deadline passes, when Redis hangs', async () => {
    const v = await sell(h, A, { valueMinor: 2_000, pin: '1357' });
    const hanging = jest.spyOn(h.service.deps.redis, 'get').mockImplementation(() => new Promise(() => undefined) as never);
    try {
      const started = Date.now();
      expect(await refusal(h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '1357' }))).toBe('UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(REDIS_DEADLINE_MS + 1000);
    } finally {
      hanging.mockRestore();
    }
    expect((await h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '1357' })).balanceMinor).toBe(2_000);
  });

  it('clears the count of wrong PINs when the right one is given', async () => {
    const v = await sell(h, A, { valueMinor: 2_000, pin: '9876' });
    for (let round = 0; round < 3; round++) {
      expect(await refusal(h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '0000' }))).toBe('VOUCHER_PIN_INVALID');
      expect(await refusal(h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '0001' }))).toBe('VOUCHER_PIN_INVALID');
      expect((await h.bus.request(vouchersBalance, ctxOf(A), { code: v.code, pin: '9876' })).balanceMinor).toBe(2_000);
    }
  });

  it("keeps each tenant's vouchers to itself: another tenant's code, id and order are not found", async () => {
    const v = await sell(h, A, { valueMinor: 4_000 });
    await h.bus.request(vouchersHold, ctxOf(A), { orderId: 'o-shared', code: v.code, amountMinor: 1_000, currency: 'EUR' });
    const before = await snapshot(A, v.voucherId);
    expect(await refusal(h.bus.request(vouchersBalance, ctxOf(B), { code: v.code }))).toBe('VOUCHER_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersHold, ctxOf(B), { orderId: 'o-b', code: v.code, amountMinor: 100, currency: 'EUR' }))).toBe('VOUCHER_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersGet, ctxOf(B), { voucherId: v.voucherId }))).toBe('VOUCHER_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersHistory, ctxOf(B), { voucherId: v.voucherId }))).toBe('VOUCHER_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersCapture, ctxOf(B), { orderId: 'o-shared' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersRelease, ctxOf(B), { orderId: 'o-shared' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await refusal(h.bus.request(vouchersCancel, ctxOf(B), { voucherId: v.voucherId, reason: 'not mine' }))).toBe('VOUCHER_NOT_FOUND');
    expect(await snapshot(A, v.voucherId)).toEqual(before);
    expect((await h.bus.request(vouchersGet, ctxOf(A), { voucherId: v.voucherId })).status).toBe('active');
    // Tenant B's own voucher sold with the same sale id is a different voucher.
    const saleId = 'same-sale-id';
    const [a, b] = [await sell(h, A, { saleId }), await sell(h, B, { saleId })];
    expect(a.voucherId).not.toBe(b.voucherId);
  });
});
