import { createHash } from 'node:crypto';
import { DomainError, type RequestContext } from '@tlp/contracts';
import { enqueueEvents, sql, type Logger, type NewEvent, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';

/** One thing held in another service for an order: points, codes, a voucher, partner points. */
export interface HoldStep {
  name: string;
  hold(): Promise<unknown>;
  capture(detail: unknown): Promise<void>;
  release(detail: unknown): Promise<void>;
}

export type SagaState = 'holding' | 'held' | 'failed' | 'confirming' | 'confirmed' | 'cancelling' | 'cancelled' | 'expired';

export interface SagaRecord<Cart = unknown, Priced = unknown> {
  tenantId: string;
  orderId: string;
  contactId: string | null;
  state: SagaState;
  cart: Cart;
  priced: Priced;
  failure: unknown;
  holdExpiresAt: Date;
  steps: { step: string; state: 'held' | 'captured' | 'released'; detail: unknown }[];
}

export interface SagaPorts<Cart, Priced> {
  /** The steps of an order, rebuilt from what the log stores, so a restarted gateway can finish them. */
  stepsFor(ctx: RequestContext, saga: SagaRecord<Cart, Priced>): HoldStep[];
  /** The facts published when the order is confirmed (evt.order.completed). */
  completedEvents(saga: SagaRecord<Cart, Priced>): NewEvent[];
}

const cartHash = (cart: unknown) => createHash('sha256').update(JSON.stringify(cart)).digest('hex');

const errorOf = (e: unknown) =>
  e instanceof DomainError ? { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } : { code: 'INTERNAL', message: 'Internal error' };

/** A service's typed "no": nothing was held. Anything else (no answer in time, a crash) leaves the outcome unknown. */
const isRefusal = (e: unknown) => e instanceof DomainError && !['UNAVAILABLE', 'TIMEOUT', 'INTERNAL'].includes(e.code);

/**
 * The checkout as a saga with a durable log. Hold: every step held in turn; if one fails, the
 * others are released and the reply names the failing step. Confirm: the saga is marked
 * `confirming` before any capture, so a gateway that dies between captures finishes them on
 * restart (`resume`); the order event is written with the final state in one transaction.
 * Cancel and expiry release everything. Every service call is idempotent by order id, which is
 * what makes re-running a step after a crash safe.
 */
export class CheckoutSagas<Cart, Priced> {
  constructor(
    readonly db: DataSource,
    private readonly ports: SagaPorts<Cart, Priced>,
    private readonly logger: Logger,
    private readonly holdTtlMs: number,
    /** A hold still "holding" after this long was cut off (a crash, or the database gone mid-way) and is released. */
    private readonly abandonedAfterMs = 60_000,
  ) {}

  async get(tenantId: string, orderId: string): Promise<SagaRecord<Cart, Priced> | undefined> {
    const [row] = (await this.db.query(
      `SELECT tenant_id, order_id, contact_id, state, cart, priced, failure, hold_expires_at FROM checkout_sagas WHERE tenant_id = $1 AND order_id = $2`,
      [tenantId, orderId],
    )) as { tenant_id: string; order_id: string; contact_id: string | null; state: SagaState; cart: Cart; priced: Priced; failure: unknown; hold_expires_at: Date }[];
    if (!row) return undefined;
    const steps = (await this.db.query(`SELECT step, state, detail FROM checkout_steps WHERE tenant_id = $1 AND order_id = $2 ORDER BY updated_at, step`, [
      tenantId,
      orderId,
    ])) as SagaRecord['steps'];
    return {
      tenantId: row.tenant_id,
      orderId: row.order_id,
      contactId: row.contact_id,
      state: row.state,
      cart: row.cart,
      priced: row.priced,
      failure: row.failure,
      holdExpiresAt: new Date(row.hold_expires_at),
      steps,
    };
  }

  async require(tenantId: string, orderId: string): Promise<SagaRecord<Cart, Priced>> {
    const saga = await this.get(tenantId, orderId);
    if (!saga) throw new DomainError('NOT_FOUND', `No checkout for order ${orderId}`);
    return saga;
  }

  async hold(ctx: RequestContext, orderId: string, contactId: string | null, cart: Cart, priced: Priced): Promise<SagaRecord<Cart, Priced>> {
    const expiresAt = new Date(Date.now() + this.holdTtlMs);
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO checkout_sagas (tenant_id, order_id, contact_id, state, cart, cart_hash, priced, hold_expires_at)
       VALUES ($1, $2, $3, 'holding', $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING order_id`,
      [ctx.tenantId, orderId, contactId, JSON.stringify(cart), cartHash(cart), JSON.stringify(priced), expiresAt],
    );
    if (inserted.length === 0) {
      const existing = await this.require(ctx.tenantId, orderId);
      const [stored] = await sql<{ cart_hash: string }>(this.db, `SELECT cart_hash FROM checkout_sagas WHERE tenant_id = $1 AND order_id = $2`, [ctx.tenantId, orderId]);
      if (stored?.cart_hash !== cartHash(cart)) throw new DomainError('ORDER_MISMATCH', `Order ${orderId} was held for another cart`);
      if (existing.state === 'holding') throw new DomainError('CHECKOUT_IN_PROGRESS', `Order ${orderId} is being held`, { retryAfterSeconds: 1 });
      if (existing.state === 'failed') throw this.holdFailed(existing.failure);
      // A retried hold is told what became of its order, not handed a hold that no longer holds
      // anything. `cancelling` is on its way to cancelled or (from recovery) expired: ask again.
      if (existing.state === 'cancelling') throw new DomainError('CHECKOUT_IN_PROGRESS', `Order ${orderId} is being released`, { retryAfterSeconds: 1 });
      if (existing.state === 'expired') throw new DomainError('CHECKOUT_EXPIRED', `The hold of order ${orderId} expired; start a new checkout`, { orderId });
      if (existing.state === 'cancelled') throw new DomainError('ORDER_CLOSED', `Order ${orderId} was cancelled`, { orderId });
      return existing;
    }
    const saga = (await this.get(ctx.tenantId, orderId))!;
    const held: { step: HoldStep; detail: unknown }[] = [];
    for (const step of this.ports.stepsFor(ctx, saga)) {
      try {
        const detail = await step.hold();
        await this.recordStep(ctx.tenantId, orderId, step.name, 'held', detail);
        held.push({ step, detail });
      } catch (e) {
        // A step that did not say no may have held all the same (it died after committing, or
        // answered after our timeout): it is released too, by order id, harmless if it held nothing,
        // and after the others (releases run last first). If it cannot be released now, the saga
        // stays "holding" and recovery releases every step once it is abandoned.
        const undo = isRefusal(e) ? held : [{ step, detail: undefined }, ...held];
        const released = (await this.releaseAll(ctx.tenantId, orderId, undo)).filter((name) => name !== step.name);
        const failure = { step: step.name, ...errorOf(e), released };
        if (!(await this.leaveHolding(ctx.tenantId, orderId, 'failed', failure))) return this.overtaken(ctx.tenantId, orderId, held);
        this.logger.info({ orderId, failure }, 'checkout hold failed; released the rest');
        throw this.holdFailed(failure);
      }
      // Recovery takes over a hold that looks abandoned: one still going says so after each step.
      if (!(await this.stillHolding(ctx.tenantId, orderId))) return this.overtaken(ctx.tenantId, orderId, held);
    }
    if (!(await this.leaveHolding(ctx.tenantId, orderId, 'held'))) return this.overtaken(ctx.tenantId, orderId, held);
    return (await this.get(ctx.tenantId, orderId))!;
  }

  private async stillHolding(tenantId: string, orderId: string): Promise<boolean> {
    const touched = await sql(this.db, `UPDATE checkout_sagas SET updated_at = now() WHERE tenant_id = $1 AND order_id = $2 AND state = 'holding' RETURNING order_id`, [
      tenantId,
      orderId,
    ]);
    return touched.length > 0;
  }

  /** Ends a hold in `held` or `failed`, unless recovery took the saga over meanwhile. */
  private async leaveHolding(tenantId: string, orderId: string, state: 'held' | 'failed', failure?: unknown): Promise<boolean> {
    const moved = await sql(
      this.db,
      `UPDATE checkout_sagas SET state = $3, failure = COALESCE($4, failure), updated_at = now()
       WHERE tenant_id = $1 AND order_id = $2 AND state = 'holding' RETURNING order_id`,
      [tenantId, orderId, state, failure === undefined ? null : JSON.stringify(failure)],
    );
    return moved.length > 0;
  }

  /**
   * Recovery judged this hold abandoned (a step was slower than CHECKOUT_ABANDONED_HOLD_MS) and
   * released the order: what this call held since is released too, and the fan is told to start
   * again, rather than the saga ending `held` with some of its holds gone.
   */
  private async overtaken(tenantId: string, orderId: string, held: { step: HoldStep; detail: unknown }[]): Promise<never> {
    await this.releaseAll(tenantId, orderId, held);
    throw new DomainError('CHECKOUT_EXPIRED', `The hold of order ${orderId} took too long and was released; start a new checkout`, { orderId });
  }

  async confirm(ctx: RequestContext, orderId: string): Promise<SagaRecord<Cart, Priced>> {
    const claimed = await sql(this.db, 
      `UPDATE checkout_sagas SET state = 'confirming', updated_at = now()
       WHERE tenant_id = $1 AND order_id = $2 AND state = 'held' AND hold_expires_at > now() RETURNING order_id`,
      [ctx.tenantId, orderId],
    );
    if (claimed.length === 0) {
      const saga = await this.require(ctx.tenantId, orderId);
      if (saga.state === 'confirmed') return saga;
      if (saga.state === 'confirming') return this.finishConfirm(ctx, saga);
      if (saga.state === 'held') throw new DomainError('CHECKOUT_EXPIRED', `The hold of order ${orderId} expired`);
      throw new DomainError(saga.state === 'holding' ? 'CHECKOUT_IN_PROGRESS' : 'ORDER_NOT_HELD', `Order ${orderId} is ${saga.state}`);
    }
    return this.finishConfirm(ctx, (await this.get(ctx.tenantId, orderId))!);
  }

  async cancel(ctx: RequestContext, orderId: string): Promise<SagaRecord<Cart, Priced>> {
    const claimed = await sql(this.db, 
      `UPDATE checkout_sagas SET state = 'cancelling', updated_at = now()
       WHERE tenant_id = $1 AND order_id = $2 AND state IN ('held', 'cancelling') RETURNING order_id`,
      [ctx.tenantId, orderId],
    );
    const saga = await this.require(ctx.tenantId, orderId);
    if (claimed.length === 0) {
      if (saga.state === 'cancelled' || saga.state === 'expired' || saga.state === 'failed') return saga;
      throw new DomainError('ORDER_CLOSED', `Order ${orderId} is ${saga.state}`);
    }
    return this.finishRelease(ctx, saga, 'cancelled');
  }

  /**
   * Recovery, at start and then periodically: finishes confirms the gateway accepted, releases
   * cancels and holds left half-way by a crash, and expires holds nobody confirmed.
   */
  async resume(): Promise<number> {
    const rows = (await this.db.query(
      `SELECT tenant_id, order_id, state FROM checkout_sagas
       WHERE state IN ('confirming', 'cancelling')
          OR (state = 'held' AND hold_expires_at <= now())
          OR (state = 'holding' AND updated_at < now() - $1::interval)
       ORDER BY updated_at LIMIT 200`,
      [`${this.abandonedAfterMs} milliseconds`],
    )) as { tenant_id: string; order_id: string; state: SagaState }[];
    for (const row of rows) {
      const ctx: RequestContext = { tenantId: row.tenant_id, requestId: `recovery:${row.order_id}` };
      try {
        const saga = (await this.get(row.tenant_id, row.order_id))!;
        if (row.state === 'confirming') await this.finishConfirm(ctx, saga);
        else if (row.state === 'cancelling') await this.finishRelease(ctx, saga, 'cancelled');
        else {
          const claimed = await sql(this.db, 
            `UPDATE checkout_sagas SET state = 'cancelling', failure = $3, updated_at = now() WHERE tenant_id = $1 AND order_id = $2 AND state = $4 RETURNING order_id`,
            [row.tenant_id, row.order_id, JSON.stringify({ reason: row.state === 'held' ? 'expired' : 'abandoned while holding' }), row.state],
          );
          if (claimed.length) await this.finishRelease(ctx, saga, 'expired');
        }
      } catch (e) {
        this.logger.warn({ err: e, orderId: row.order_id, state: row.state }, 'checkout recovery step failed; will retry');
      }
    }
    return rows.length;
  }

  private async finishConfirm(ctx: RequestContext, saga: SagaRecord<Cart, Priced>): Promise<SagaRecord<Cart, Priced>> {
    const recorded = new Map(saga.steps.map((s) => [s.step, s]));
    for (const step of this.ports.stepsFor(ctx, saga)) {
      const r = recorded.get(step.name);
      if (!r || r.state === 'captured') continue;
      await step.capture(r.detail);
      await this.recordStep(ctx.tenantId, saga.orderId, step.name, 'captured', r.detail);
    }
    await this.db.transaction(async (tx: Tx) => {
      const done = await sql(tx, 
        `UPDATE checkout_sagas SET state = 'confirmed', updated_at = now() WHERE tenant_id = $1 AND order_id = $2 AND state = 'confirming' RETURNING order_id`,
        [ctx.tenantId, saga.orderId],
      );
      if (done.length) await enqueueEvents(tx, this.ports.completedEvents(saga));
    });
    return (await this.get(ctx.tenantId, saga.orderId))!;
  }

  private async finishRelease(ctx: RequestContext, saga: SagaRecord<Cart, Priced>, final: 'cancelled' | 'expired'): Promise<SagaRecord<Cart, Priced>> {
    const recorded = new Map(saga.steps.map((s) => [s.step, s]));
    // Steps never recorded may still have been held by a crash mid-hold: releasing by order id is harmless.
    const steps = this.ports.stepsFor(ctx, saga).map((step) => ({ step, detail: recorded.get(step.name)?.detail, state: recorded.get(step.name)?.state }));
    await this.releaseAll(
      ctx.tenantId,
      saga.orderId,
      steps.filter((s) => s.state !== 'released'),
    );
    await this.setState(ctx.tenantId, saga.orderId, final);
    return (await this.get(ctx.tenantId, saga.orderId))!;
  }

  private async releaseAll(tenantId: string, orderId: string, held: { step: HoldStep; detail: unknown }[]): Promise<string[]> {
    const released: string[] = [];
    for (const { step, detail } of [...held].reverse()) {
      try {
        await step.release(detail);
      } catch (e) {
        // A step cut off before its hold reached the service has nothing to release.
        if (!(e instanceof DomainError && /(^|_)NOT_FOUND$/.test(e.code))) throw e;
      }
      await this.recordStep(tenantId, orderId, step.name, 'released', detail);
      released.push(step.name);
    }
    return released;
  }

  private holdFailed(failure: unknown): DomainError {
    const f = failure as { step: string; code: string; message: string };
    return new DomainError('CHECKOUT_HOLD_FAILED', `${f.step}: ${f.message}`, failure as Record<string, unknown>);
  }

  private async recordStep(tenantId: string, orderId: string, step: string, state: 'held' | 'captured' | 'released', detail: unknown): Promise<void> {
    await this.db.query(
      `INSERT INTO checkout_steps (tenant_id, order_id, step, state, detail) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, order_id, step) DO UPDATE SET state = EXCLUDED.state, detail = EXCLUDED.detail, updated_at = now()`,
      [tenantId, orderId, step, state, JSON.stringify(detail ?? null)],
    );
  }

  private async setState(tenantId: string, orderId: string, state: SagaState): Promise<void> {
    await this.db.query(`UPDATE checkout_sagas SET state = $3, updated_at = now() WHERE tenant_id = $1 AND order_id = $2`, [tenantId, orderId, state]);
  }
}
