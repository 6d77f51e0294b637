import { vouchersBalance, vouchersCancel, vouchersCapture, vouchersHold, vouchersRelease } from '@tlp/contracts';
import { newId, sql, startService, type RunningService } from '@tlp/platform';
import { serviceEnv } from '@tlp/testkit';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { loadAccount, type Account } from '../src/db/accounts';
import { releaseExpiredHolds } from '../src/app/holds';
import { captureAtOnce, holdAtOnce } from '../src/db/at-once';
import { voucherService } from '../src/service';
import { ctxOf, ledgerSum, refusal, sell, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness('voucher-batches');
});
afterAll(() => h.stop());

/** Transaction ids that wrote the rows: rows written by one statement share one. */
async function writers(table: 'holds' | 'ledger', tenantId: string, orderIds: string[]): Promise<number> {
  const [row] = await sql<{ n: string }>(
    h.service.deps.db,
    `SELECT count(DISTINCT xmin::text) AS n FROM ${table} WHERE tenant_id = $1 AND order_id = ANY($2::text[])`,
    [tenantId, orderIds],
  );
  return Number(row?.n);
}

describe('holds and captures of concurrent checkouts', () => {
  it('are written by one statement for all of them, each with its own balance, ledger entry and event', async () => {
    const T = 'venue-together';
    const { db } = h.service.deps;
    const sold = await Promise.all(Array.from({ length: 12 }, (_, n) => sell(h, T, { valueMinor: 10_000 + n })));
    const accounts = await Promise.all(sold.map(async (v) => (await loadAccount(db, T, v.voucherId))!));
    const now = new Date();
    const orders = sold.map((_, n) => `o-together-${n}`);
    const holds = accounts.map((account, n) => ({
      tenantId: T,
      id: newId(),
      accountId: account.id,
      accountKind: 'voucher' as const,
      orderId: orders[n]!,
      amountMinor: 1_000,
      currency: 'EUR',
      expiresAt: new Date(now.getTime() + 60_000),
    }));

    expect(await Promise.all(holds.map((hold, n) => holdAtOnce(db, accounts[n]!, hold, now, h.ports)))).toEqual(accounts.map((_, n) => 9_000 + n));
    expect(await writers('holds', T, orders)).toBe(1);

    const captured = await Promise.all(orders.map((orderId) => captureAtOnce(db, { tenantId: T, orderId, kind: 'voucher' }, now, h.ports)));
    expect(captured.map((c) => [c?.hold.id, c?.balanceMinor])).toEqual(holds.map((hold, n) => [hold.id, 9_000 + n]));
    expect(await writers('ledger', T, orders)).toBe(2);
    const events = await sql<{ type: string; n: string }>(
      db,
      `SELECT type, count(*) AS n FROM outbox WHERE tenant_id = $1 AND envelope->'data'->>'orderId' = ANY($2::text[]) GROUP BY type ORDER BY type`,
      [T, orders],
    );
    expect(events.map((e) => [e.type, Number(e.n)])).toEqual([
      ['evt.voucher.balance-changed', 12],
      ['evt.voucher.redeemed', 12],
    ]);
    for (const [n, v] of sold.entries()) expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ sum: 9_000 + n, balance: 9_000 + n, entries: 3 });
  });

  it('look their codes up together without one tenant finding another tenant’s voucher', async () => {
    const [A, B] = ['venue-looks-a', 'venue-looks-b'];
    const [a, b] = [await sell(h, A, { valueMinor: 1_100 }), await sell(h, B, { valueMinor: 2_200 })];
    const looks = await Promise.all(
      [
        [A, a.code],
        [B, b.code],
        [B, a.code],
        [A, b.code],
      ].map(([T, code]) => h.bus.request(vouchersBalance, ctxOf(T!), { code: code! }).then((v) => v.balanceMinor, (e: unknown) => refusal(Promise.reject(e)))),
    );
    expect(looks).toEqual([1_100, 2_200, 'VOUCHER_NOT_FOUND', 'VOUCHER_NOT_FOUND']);
  });

  it('hold nothing, in a batch, for an order released before the hold arrived', async () => {
    const T = 'venue-released';
    const { db } = h.service.deps;
    const [d, e] = await Promise.all([sell(h, T, { valueMinor: 5_000 }), sell(h, T, { valueMinor: 5_000 })]);
    expect(await refusal(h.bus.request(vouchersRelease, ctxOf(T), { orderId: 'o-released' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    const now = new Date();
    const hold = (accountId: string, orderId: string) => ({
      tenantId: T,
      id: newId(),
      accountId,
      accountKind: 'voucher' as const,
      orderId,
      amountMinor: 500,
      currency: 'EUR',
      expiresAt: new Date(now.getTime() + 60_000),
    });
    const [accD, accE] = [(await loadAccount(db, T, d.voucherId))!, (await loadAccount(db, T, e.voucherId))!];
    expect(await Promise.all([holdAtOnce(db, accD, hold(d.voucherId, 'o-released'), now, h.ports), holdAtOnce(db, accE, hold(e.voucherId, 'o-open'), now, h.ports)])).toEqual([
      undefined,
      4_500,
    ]);
    expect(await ledgerSum(h, T, d.voucherId)).toMatchObject({ sum: 5_000, balance: 5_000, entries: 1 });
  });

  it('leave out of the batch what it cannot do at once: a repeat, a refusal, an expired hold, an order of two holds', async () => {
    const T = 'venue-mixed';
    const { db } = h.service.deps;
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => sell(h, T, { valueMinor: 5_000 })));
    const now = new Date();
    const account = async (id: string) => (await loadAccount(db, T, id))!;
    const hold = (accountId: string, orderId: string, amountMinor: number, ttlMs = 60_000) => ({
      tenantId: T,
      id: newId(),
      accountId,
      accountKind: 'voucher' as const,
      orderId,
      amountMinor,
      currency: 'EUR',
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    expect(await holdAtOnce(db, await account(a!.voucherId), hold(a!.voucherId, 'o-held-before', 1_000), now, h.ports)).toBe(4_000);

    const [accA, accB, accC] = [await account(a!.voucherId), await account(b!.voucherId), await account(c!.voucherId)];
    const outcomes = await Promise.all([
      holdAtOnce(db, accA, hold(a!.voucherId, 'o-held-before', 1_000), now, h.ports),
      holdAtOnce(db, accB, hold(b!.voucherId, 'o-too-much', 5_001), now, h.ports),
      holdAtOnce(db, accB, hold(b!.voucherId, 'o-b', 2_000), now, h.ports),
      holdAtOnce(db, accB, hold(b!.voucherId, 'o-b-again', 3_000), now, h.ports),
      holdAtOnce(db, accC, hold(c!.voucherId, 'o-short', 500, 1_000), now, h.ports),
      holdAtOnce(db, accC, hold(c!.voucherId, 'o-two', 500), now, h.ports),
      holdAtOnce(db, accA, hold(a!.voucherId, 'o-two', 500), now, h.ports),
    ]);
    expect(outcomes).toEqual([undefined, undefined, 3_000, 0, 4_500, 4_000, 3_500]);

    const later = new Date(now.getTime() + 5_000);
    const captures = await Promise.all(
      ['o-b', 'o-short', 'o-two', 'o-unknown', 'o-b'].map((orderId) => captureAtOnce(db, { tenantId: T, orderId, kind: 'voucher' }, later, h.ports)),
    );
    expect(captures.map((x) => x && [x.hold.orderId, x.balanceMinor])).toEqual([['o-b', 0], undefined, undefined, undefined, undefined]);
    for (const v of [a!, b!, c!]) {
      const { sum, balance } = await ledgerSum(h, T, v.voucherId);
      expect(sum).toBe(balance);
    }
  });
});

/** What a checkout sees of a hold or a capture, with ids replaced by the voucher's place in the test. */
type Seen = { refused: string } | { held: [number, number, string] } | { settled: [number, string, number][] };

describe('holds and captures sent together', () => {
  const voucherArb = fc.record({ valueMinor: fc.integer({ min: 100, max: 5_000 }), currency: fc.constantFrom('EUR', 'CHF'), cancelled: fc.boolean() });
  const holdArb = fc.record({
    voucher: fc.nat(),
    order: fc.integer({ min: 0, max: 5 }),
    amountMinor: fc.integer({ min: 1, max: 3_000 }),
    currency: fc.constantFrom('EUR', 'EUR', 'CHF'),
    elsewhere: fc.constantFrom(false, false, false, false, true),
    retriedWith: fc.constantFrom('the same amount', 'the same amount', 'another amount'),
  });
  const captureArb = fc.record({ order: fc.integer({ min: 0, max: 6 }), voucher: fc.option(fc.nat(), { nil: undefined }) });
  let run = 0;

  it('answer and leave the balances exactly as the same calls sent one after another, retries included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(voucherArb, { minLength: 1, maxLength: 5 }),
        fc.array(holdArb, { minLength: 1, maxLength: 16 }),
        fc.array(captureArb, { maxLength: 8 }),
        async (vouchers, holds, captures) => {
          run++;
          const worlds = { together: `venue-together-${run}`, alone: `venue-alone-${run}` };
          const sold: Record<string, { code: string; voucherId: string }[]> = {};
          for (const [world, T] of Object.entries(worlds)) {
            sold[world] = [];
            for (const v of vouchers) {
              const s = await sell(h, T, { valueMinor: v.valueMinor, currency: v.currency });
              if (v.cancelled) await h.bus.request(vouchersCancel, ctxOf(T), { voucherId: s.voucherId, reason: 'test' });
              sold[world]!.push(s);
            }
          }
          const place = (world: string, voucherId: string) => sold[world]!.findIndex((s) => s.voucherId === voucherId);
          const other = (world: string) => (world === 'together' ? 'alone' : 'together');
          const seen = async (world: string, call: Promise<unknown>): Promise<Seen> => {
            try {
              const r = (await call) as { accountId?: string; amountMinor?: number; status?: string; holds?: { accountId: string; status: string; balanceMinor: number }[] };
              if (r.holds) return { settled: r.holds.map((x) => [place(world, x.accountId), x.status, x.balanceMinor]) };
              return { held: [place(world, r.accountId!), r.amountMinor!, r.status!] };
            } catch (e) {
              return { refused: await refusal(Promise.reject(e)) };
            }
          };
          const holdCall = (world: string) => (x: (typeof holds)[number]) => {
            const T = worlds[world as keyof typeof worlds];
            // A code of the other tenant's voucher must not be found, batched or not.
            const code = sold[x.elsewhere ? other(world) : world]![x.voucher % vouchers.length]!.code;
            return seen(world, h.bus.request(vouchersHold, ctxOf(T), { orderId: `o-${x.order}`, code, amountMinor: x.amountMinor, currency: x.currency }));
          };
          const captureCall = (world: string) => (x: (typeof captures)[number]) => {
            const T = worlds[world as keyof typeof worlds];
            const voucherId = x.voucher === undefined ? undefined : sold[world]![x.voucher % vouchers.length]!.voucherId;
            return seen(world, h.bus.request(vouchersCapture, ctxOf(T), { orderId: `o-${x.order}`, ...(voucherId ? { voucherId } : {}) }));
          };

          // Concurrent calls for one order on one voucher have no order, so each is sent once, then all again as retries.
          const once = holds.filter((x, n) => holds.findIndex((y) => y.order === x.order && y.voucher % vouchers.length === x.voucher % vouchers.length) === n);
          const retries = once.map((x) => (x.retriedWith === 'the same amount' ? x : { ...x, amountMinor: x.amountMinor + 1 }));
          for (const sent of [once, retries]) {
            const heldTogether = await Promise.all(sent.map(holdCall('together')));
            const heldAlone: Seen[] = [];
            for (const x of sent) heldAlone.push(await holdCall('alone')(x));
            expect(heldTogether).toEqual(heldAlone);
          }

          const capturedTogether = await Promise.all(captures.map(captureCall('together')));
          const capturedAlone: Seen[] = [];
          for (const x of captures) capturedAlone.push(await captureCall('alone')(x));
          expect(capturedTogether).toEqual(capturedAlone);

          for (const n of vouchers.keys()) {
            const [together, alone] = [await ledgerSum(h, worlds.together, sold.together![n]!.voucherId), await ledgerSum(h, worlds.alone, sold.alone![n]!.voucherId)];
            expect(together).toEqual(alone);
            expect(together.sum).toBe(together.balance);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

/**
 * Orders (sixty by default) hold one or two of a few shared vouchers (four by default) at once, then half capture and half release
 * while the expiry job ends the short holds: every call is answered or refused with a stable code,
 * no batch fails whole (a deadlock between batches would), and every ledger equals its balance.
 */
async function crowdOnSharedVouchers(T: string, replicas: RunningService[], { orders: count = 60, vouchers: shared = 4, ordersOfTwoVouchers = true } = {}): Promise<void> {
  const vouchers = await Promise.all(Array.from({ length: shared }, () => sell(h, T, { valueMinor: 100_000 })));
  const orders = Array.from({ length: count }, (_, n) => ({
    orderId: `o-crowd-${n}`,
    // Every other order pays with two vouchers, so batches and releases lock several accounts.
    paidWith: n % 2 === 0 || !ordersOfTwoVouchers ? [vouchers[n % shared]!] : [vouchers[n % shared]!, vouchers[(n + 1) % shared]!],
    ttlSeconds: n % 3 === 0 ? 1 : 600,
  }));
  // Batches that failed whole for another reason than a repeated hold: a deadlock would show here.
  const failedBatches = async () =>
    (await Promise.all(replicas.map((r) => r.deps.metrics.batchesFailed.get())))
      .flatMap((m) => m.values)
      .filter((v) => v.labels.reason !== '23505')
      .reduce((n, v) => n + v.value, 0);
  const failedBefore = await failedBatches();
  const unexpected: unknown[] = [];
  const settle = (p: Promise<unknown>) =>
    p.catch((e: unknown) => {
      const code = (e as { code?: string }).code;
      if (!code || code === 'INTERNAL' || code === 'TIMEOUT' || code === 'UNAVAILABLE') unexpected.push(e);
    });
  await Promise.all(
    orders
      .flatMap((o) => o.paidWith.map((v) => ({ o, v })))
      // Shuffled (the same way every run), so that batches meet the same accounts in different orders.
      .map((call) => ({ call, key: createHash('sha256').update(`${call.o.orderId} ${vouchers.indexOf(call.v)}`).digest('hex') }))
      .sort((a, b) => a.key.localeCompare(b.key))
      .map(({ call }) => call)
      .map(({ o, v }) => settle(h.bus.request(vouchersHold, ctxOf(T), { orderId: o.orderId, code: v.code, amountMinor: 1_000, currency: 'EUR', ttlSeconds: o.ttlSeconds }))),
  );
  await new Promise((r) => setTimeout(r, 1_100));
  h.ports.clock.now = new Date();
  await Promise.all([
    ...orders.map((o, n) => settle(h.bus.request(n % 2 === 0 ? vouchersCapture : vouchersRelease, ctxOf(T), { orderId: o.orderId }))),
    settle(releaseExpiredHolds(h.ports)),
  ]);
  expect(unexpected).toEqual([]);
  expect(await failedBatches()).toBe(failedBefore);
  for (const v of vouchers) {
    const { sum, balance } = await ledgerSum(h, T, v.voucherId);
    expect(sum).toBe(balance);
  }
  const [left] = await sql<{ n: string }>(h.service.deps.db, `SELECT count(*) AS n FROM holds WHERE tenant_id = $1 AND status = 'held'`, [T]);
  expect(Number(left?.n)).toBe(0);
}

describe('batches of two replicas crossing on the same vouchers', () => {
  it('lock the vouchers in one order: holds and captures asked in opposite orders wait for each other and never deadlock', async () => {
    const T = 'venue-lock-order';
    const { db } = h.service.deps;
    const second = await startService(voucherService, serviceEnv(h.infra, h.iso));
    const reports = { logger: second.deps.logger, metrics: second.deps.metrics };
    try {
      const sold = await Promise.all([sell(h, T, { valueMinor: 10_000 }), sell(h, T, { valueMinor: 20_000 })]);
      const [a, b] = (await Promise.all(sold.map((v) => loadAccount(db, T, v.voucherId)))) as [Account, Account];
      const now = new Date();
      const holdOn = (account: Account, orderId: string) => ({
        tenantId: T,
        id: newId(),
        accountId: account.id,
        accountKind: 'voucher' as const,
        orderId,
        amountMinor: 1_000,
        currency: 'EUR',
        expiresAt: new Date(now.getTime() + 60_000),
      });
      const deadlocks = async () => {
        const counts = await Promise.all([h.service, second].map(async (r) => (await r.deps.metrics.batchesFailed.get()).values.filter((v) => v.labels.reason === '40P01')));
        return counts.flat().reduce((n, v) => n + v.value, 0);
      };
      /**
       * Both vouchers locked elsewhere while each replica starts a batch of two, one on a then
       * b, the other on b then a, so both batches wait at the same moment; then let go.
       */
      const crossing = async <O>(batches: () => Promise<O>[]): Promise<O[]> => {
        const blocker = db.createQueryRunner();
        await blocker.connect();
        try {
          await blocker.startTransaction();
          await blocker.query(`SELECT id FROM accounts WHERE tenant_id = $1 AND id = ANY($2::uuid[]) FOR UPDATE`, [T, [a.id, b.id]]);
          const [{ pid }] = (await blocker.query('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
          const outcomes = Promise.all(batches());
          for (let waited = 0; waited < 5_000; waited += 20) {
            const [row] = await sql<{ n: string }>(db, `SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [pid]);
            if (Number(row?.n) >= 1) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          await new Promise((r) => setTimeout(r, 200));
          await blocker.commitTransaction();
          return await outcomes;
        } finally {
          if (blocker.isTransactionActive) await blocker.rollbackTransaction();
          await blocker.release();
        }
      };
      const before = await deadlocks();

      const held = await crossing(() => [
        holdAtOnce(db, a, holdOn(a, 'o-cross-1'), now, h.ports),
        holdAtOnce(db, b, holdOn(b, 'o-cross-2'), now, h.ports),
        holdAtOnce(second.deps.db, b, holdOn(b, 'o-cross-3'), now, reports),
        holdAtOnce(second.deps.db, a, holdOn(a, 'o-cross-4'), now, reports),
      ]);
      // Each hold went through, in its batch or after it (undefined: not held).
      expect(held.every((balance) => typeof balance === 'number')).toBe(true);
      const captured = await crossing(() => [
        captureAtOnce(db, { tenantId: T, orderId: 'o-cross-1', kind: 'voucher' }, now, h.ports),
        captureAtOnce(db, { tenantId: T, orderId: 'o-cross-2', kind: 'voucher' }, now, h.ports),
        captureAtOnce(second.deps.db, { tenantId: T, orderId: 'o-cross-3', kind: 'voucher' }, now, reports),
        captureAtOnce(second.deps.db, { tenantId: T, orderId: 'o-cross-4', kind: 'voucher' }, now, reports),
      ]);
      expect(captured.map((c) => c?.hold.status)).toEqual(['captured', 'captured', 'captured', 'captured']);
      expect(await deadlocks()).toBe(before);
      for (const [n, v] of sold.entries()) {
        expect(await ledgerSum(h, T, v.voucherId)).toMatchObject({ balance: (n + 1) * 10_000 - 2_000, sum: (n + 1) * 10_000 - 2_000, entries: 5 });
      }
    } finally {
      await second.stop();
    }
  });
});

describe('holds, captures, releases and the expiry job at once on shared vouchers', () => {
  it('answer every call or refuse it with a stable code, with no batch failing whole, and keep every ledger equal to its balance', async () => {
    await crowdOnSharedVouchers('venue-crowd', [h.service]);
  });

  it('do so with two replicas on one database sharing the calls, with orders of one voucher so that their batches never wait for each other on an order', async () => {
    const second = await startService(voucherService, serviceEnv(h.infra, h.iso));
    try {
      await crowdOnSharedVouchers('venue-crowd-2', [h.service, second], { orders: 240, vouchers: 16, ordersOfTwoVouchers: false });
      // The queue group shared the calls: both replicas served some.
      for (const r of [h.service, second]) {
        const served = (await r.deps.metrics.requests.get()).values.filter((v) => String(v.labels.subject).startsWith('voucher.v1.vouchers.'));
        expect(served.length).toBeGreaterThan(0);
      }
    } finally {
      await second.stop();
    }
  });
});
