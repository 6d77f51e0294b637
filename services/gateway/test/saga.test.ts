import { DomainError, OrderCompleted, type RequestContext } from '@tlp/contracts';
import { createLogger, openDatabase, PlatformTables1763856000000 } from '@tlp/platform';
import { cleanUp, infra, isolation, type Infra } from '@tlp/testkit';
import type { DataSource } from 'typeorm';
import { CheckoutSagas, type HoldStep, type SagaRecord } from '../src/checkout/saga';
import { CheckoutSagas1763856100001, HttpIdempotency1763856100000 } from '../src/db/migrations';

/** A service holding things for an order, as the real ones do: idempotent by order id. */
class Ledger {
  held = new Map<string, 'held' | 'captured' | 'released'>();
  failHold = false;
  /** Holds, then the answer is lost: the service died after committing, or answered too late. */
  holdThenTimeOut = false;
  failCaptureOnce = false;
  /** Runs first in a hold: what happens elsewhere while this step is slow. */
  whileHolding?: () => Promise<void>;
  step(name: string, orderId: string): HoldStep {
    const key = `${name}:${orderId}`;
    return {
      name,
      hold: async () => {
        await this.whileHolding?.();
        if (this.failHold) throw new DomainError('INSUFFICIENT_POINTS', `${name} refused`);
        if (!this.held.has(key)) this.held.set(key, 'held');
        if (this.holdThenTimeOut) throw new DomainError('TIMEOUT', `${name} did not answer in time`);
        return { ref: key };
      },
      capture: async () => {
        if (this.failCaptureOnce) {
          this.failCaptureOnce = false;
          throw new Error('gateway died here');
        }
        this.held.set(key, 'captured');
      },
      release: async () => {
        // As the services answer: an order that never held here has nothing to release.
        if (!this.held.has(key)) throw new DomainError('POINTS_HOLD_NOT_FOUND', `${name} has no hold for ${orderId}`);
        if (this.held.get(key) === 'held') this.held.set(key, 'released');
      },
    };
  }
}

const iso = isolation('gateway_saga');
let i: Infra;
let db: DataSource;
const ledgers = { promotion: new Ledger(), points: new Ledger(), voucher: new Ledger() };
const ctx: RequestContext = { tenantId: 'acme', requestId: 'r' };
const cart = { lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event' as const, quantity: 1, unitPriceMinor: 1000, paidMinor: 1000, reductions: [], seats: [] }] };

const sagas = () =>
  new CheckoutSagas<typeof cart, { total: number }>(
    db,
    {
      stepsFor: (_ctx, saga) => Object.entries(ledgers).map(([name, l]) => l.step(name, saga.orderId)),
      completedEvents: (saga: SagaRecord<typeof cart>) => [
        {
          contract: OrderCompleted,
          tenantId: saga.tenantId,
          data: { orderId: saga.orderId, channel: 'web', currency: 'EUR', totalPaidMinor: 1000, lines: saga.cart.lines, payments: [], completedAt: new Date().toISOString() },
        },
      ],
    },
    createLogger('test', 'silent'),
    60_000,
  );

beforeAll(async () => {
  i = await infra();
  db = await openDatabase({
    url: i.databaseUrl,
    schema: iso.schema,
    migrations: [PlatformTables1763856000000, HttpIdempotency1763856100000, CheckoutSagas1763856100001],
    poolSize: 5,
    runMigrations: true,
    logger: createLogger('test', 'silent'),
  });
});
afterAll(async () => {
  await db?.destroy();
  await cleanUp(i, iso);
});

const outboxFor = async (orderId: string) =>
  (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE envelope->'data'->>'orderId' = $1`, [orderId]))[0].n as number;

describe('checkout saga', () => {
  it('holds every step, then confirms by capturing all and writing evt.order.completed once', async () => {
    const s = sagas();
    const held = await s.hold(ctx, 'o1', 'c1', cart, { total: 1000 });
    expect(held.state).toBe('held');
    expect(held.steps.map((x) => x.state)).toEqual(['held', 'held', 'held']);
    const confirmed = await s.confirm(ctx, 'o1');
    expect(confirmed.state).toBe('confirmed');
    for (const [name, ledger] of Object.entries(ledgers)) expect(ledger.held.get(`${name}:o1`)).toBe('captured');
    expect((await s.confirm(ctx, 'o1')).state).toBe('confirmed');
    expect(await outboxFor('o1')).toBe(1);
  });

  it('releases what was held when a later step fails, and says which step and why', async () => {
    ledgers.voucher.failHold = true;
    try {
      const err = await sagas()
        .hold(ctx, 'o2', 'c1', cart, { total: 1000 })
        .catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: 'CHECKOUT_HOLD_FAILED', details: { step: 'voucher', code: 'INSUFFICIENT_POINTS', released: ['points', 'promotion'] } });
      expect(ledgers.promotion.held.get('promotion:o2')).toBe('released');
      expect(ledgers.points.held.get('points:o2')).toBe('released');
      expect((await sagas().get('acme', 'o2'))?.state).toBe('failed');
    } finally {
      ledgers.voucher.failHold = false;
    }
  });

  it('releases a step that held but whose answer was lost (the service died after committing, or answered too late)', async () => {
    ledgers.points.holdThenTimeOut = true;
    try {
      const err = await sagas()
        .hold(ctx, 'o-lost', 'c1', cart, { total: 1000 })
        .catch((e: DomainError) => e);
      expect(err).toMatchObject({ code: 'CHECKOUT_HOLD_FAILED', details: { step: 'points', code: 'TIMEOUT', released: ['promotion'] } });
      expect(ledgers.points.held.get('points:o-lost')).toBe('released');
      expect(ledgers.promotion.held.get('promotion:o-lost')).toBe('released');
      expect((await sagas().get('acme', 'o-lost'))?.state).toBe('failed');
    } finally {
      ledgers.points.holdThenTimeOut = false;
    }
  });

  it('finishes a confirm after the gateway died between captures', async () => {
    const s = sagas();
    await s.hold(ctx, 'o3', 'c1', cart, { total: 1000 });
    ledgers.points.failCaptureOnce = true;
    await expect(s.confirm(ctx, 'o3')).rejects.toThrow('gateway died here');
    expect((await s.get('acme', 'o3'))?.state).toBe('confirming');
    expect(ledgers.promotion.held.get('promotion:o3')).toBe('captured');
    expect(ledgers.points.held.get('points:o3')).toBe('held');
    // A new gateway process: recovery finishes the confirm it had accepted.
    await sagas().resume();
    expect((await s.get('acme', 'o3'))?.state).toBe('confirmed');
    expect(ledgers.points.held.get('points:o3')).toBe('captured');
    expect(ledgers.voucher.held.get('voucher:o3')).toBe('captured');
    expect(await outboxFor('o3')).toBe(1);
  });

  it('confirms once when two confirms race', async () => {
    const s = sagas();
    await s.hold(ctx, 'o4', 'c1', cart, { total: 1000 });
    const results = await Promise.allSettled([s.confirm(ctx, 'o4'), s.confirm(ctx, 'o4')]);
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    await sagas().resume();
    expect(await outboxFor('o4')).toBe(1);
  });

  it('cancels by releasing everything, and expires a hold nobody confirmed', async () => {
    const s = sagas();
    await s.hold(ctx, 'o5', 'c1', cart, { total: 1000 });
    expect((await s.cancel(ctx, 'o5')).state).toBe('cancelled');
    expect(ledgers.voucher.held.get('voucher:o5')).toBe('released');
    await expect(s.confirm(ctx, 'o5')).rejects.toMatchObject({ code: 'ORDER_NOT_HELD' });

    await s.hold(ctx, 'o6', 'c1', cart, { total: 1000 });
    await db.query(`UPDATE checkout_sagas SET hold_expires_at = now() - interval '1 second' WHERE order_id = 'o6'`);
    await expect(s.confirm(ctx, 'o6')).rejects.toMatchObject({ code: 'CHECKOUT_EXPIRED' });
    await s.resume();
    expect((await s.get('acme', 'o6'))?.state).toBe('expired');
    expect(ledgers.promotion.held.get('promotion:o6')).toBe('released');
  });

  it('tells a retried hold that its order expired or was cancelled, instead of answering with a hold that holds nothing', async () => {
    const s = sagas();
    await s.hold(ctx, 'o10', 'c1', cart, { total: 1000 });
    await s.cancel(ctx, 'o10');
    await expect(s.hold(ctx, 'o10', 'c1', cart, { total: 1000 })).rejects.toMatchObject({ code: 'ORDER_CLOSED' });
    await s.hold(ctx, 'o11', 'c1', cart, { total: 1000 });
    await db.query(`UPDATE checkout_sagas SET hold_expires_at = now() - interval '1 second' WHERE order_id = 'o11'`);
    await s.resume();
    await expect(s.hold(ctx, 'o11', 'c1', cart, { total: 1000 })).rejects.toMatchObject({ code: 'CHECKOUT_EXPIRED' });
    // A confirmed order's hold still replays as it was.
    await s.hold(ctx, 'o12', 'c1', cart, { total: 1000 });
    await s.confirm(ctx, 'o12');
    expect((await s.hold(ctx, 'o12', 'c1', cart, { total: 1000 })).state).toBe('confirmed');
  });

  it('answers CHECKOUT_EXPIRED and leaves nothing held when recovery took over a hold that was only slow', async () => {
    const s = sagas();
    // The points step is so slow that recovery judges the hold abandoned meanwhile and releases the order.
    ledgers.points.whileHolding = async () => {
      await db.query(`UPDATE checkout_sagas SET updated_at = now() - interval '2 minutes' WHERE order_id = 'o13'`);
      await sagas().resume();
    };
    try {
      await expect(s.hold(ctx, 'o13', 'c1', cart, { total: 1000 })).rejects.toMatchObject({ code: 'CHECKOUT_EXPIRED' });
    } finally {
      delete ledgers.points.whileHolding;
    }
    expect((await s.get('acme', 'o13'))?.state).toBe('expired');
    expect(ledgers.promotion.held.get('promotion:o13')).toBe('released');
    expect(ledgers.points.held.get('points:o13')).toBe('released');
    expect(ledgers.voucher.held.has('voucher:o13')).toBe(false);

    // The same when the slow step is then refused (its service saw recovery's release first).
    ledgers.voucher.whileHolding = async () => {
      await db.query(`UPDATE checkout_sagas SET updated_at = now() - interval '2 minutes' WHERE order_id = 'o14'`);
      await sagas().resume();
    };
    ledgers.voucher.failHold = true;
    try {
      await expect(s.hold(ctx, 'o14', 'c1', cart, { total: 1000 })).rejects.toMatchObject({ code: 'CHECKOUT_EXPIRED' });
    } finally {
      delete ledgers.voucher.whileHolding;
      ledgers.voucher.failHold = false;
    }
    expect((await s.get('acme', 'o14'))?.state).toBe('expired');
    expect([ledgers.promotion.held.get('promotion:o14'), ledgers.points.held.get('points:o14')]).toEqual(['released', 'released']);
  });

  it('releases a hold cut off half-way once it is abandoned, even the steps that never reached their service', async () => {
    const s = sagas();
    await s.hold(ctx, 'o9', 'c1', cart, { total: 1000 });
    // As if the gateway had lost its database after the promotion step: the saga still "holding", later steps never held.
    ledgers.points.held.delete('points:o9');
    ledgers.voucher.held.delete('voucher:o9');
    await db.query(`DELETE FROM checkout_steps WHERE order_id = 'o9' AND step <> 'promotion'`);
    await db.query(`UPDATE checkout_sagas SET state = 'holding', updated_at = now() - interval '2 minutes' WHERE order_id = 'o9'`);
    await s.resume();
    expect((await s.get('acme', 'o9'))?.state).toBe('expired');
    expect(ledgers.promotion.held.get('promotion:o9')).toBe('released');
  });

  it('returns the same hold for a repeated request and refuses the order id for another cart', async () => {
    const s = sagas();
    const first = await s.hold(ctx, 'o7', 'c1', cart, { total: 1000 });
    expect((await s.hold(ctx, 'o7', 'c1', cart, { total: 1000 })).holdExpiresAt).toEqual(first.holdExpiresAt);
    await expect(s.hold(ctx, 'o7', 'c1', { lines: [] } as never, { total: 0 })).rejects.toMatchObject({ code: 'ORDER_MISMATCH' });
  });

  it('keeps tenants apart: another tenant cannot see or confirm the order', async () => {
    const s = sagas();
    await s.hold(ctx, 'o8', 'c1', cart, { total: 1000 });
    await expect(s.confirm({ tenantId: 'other', requestId: 'r' }, 'o8')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await s.get('other', 'o8')).toBeUndefined();
  });
});
