import {
  DomainError,
  PromotionHoldsCaptured,
  type Cart,
  type Evaluation,
  type HoldsReply,
  type ParsedRequestOf,
  type ReplyOf,
  type placeHold as PlaceHold,
} from '@tlp/contracts';
import { closeOrder, enqueueEvent, newId, onceByKey, oneAtATimePerOrder, orderClosed, sql, type Tx } from '@tlp/platform';
import type { z } from 'zod';
import { evaluate } from '../domain/evaluation';
import { notFound, type PromotionContext } from './context';
import { freshSnapshot, loadFacts } from './facts';

type HoldKind = 'advantage' | 'single-use-code' | 'promo-code';

/** A line a hold took something for, the reduction it got from it, and how much of that refunds gave back. */
export interface HeldLine {
  lineId: string;
  quantity: number;
  /** The advantage or promo code whose reduction this is, as in the order's reductions. */
  ref: string;
  reductionMinor: number;
  refundedMinor: number;
}

/** The lines that got a reduction from `ref` (an advantage, or a promo code). */
const linesReducedBy = (evaluation: Evaluation, ref: string): HeldLine[] =>
  evaluation.lines.flatMap((l) =>
    l.reductions
      .filter((r) => r.ref === ref && r.amountMinor > 0)
      .map((r) => ({ lineId: l.lineId, quantity: l.quantity, ref, reductionMinor: r.amountMinor, refundedMinor: 0 })),
  );

export interface HoldRow {
  tenant_id: string;
  id: string;
  order_id: string;
  kind: HoldKind;
  ref: string;
  units: number;
  state: 'held' | 'captured' | 'released' | 'expired' | 'refunded';
  contact_id: string | null;
  expires_at: Date;
  lines: HeldLine[];
  returned: number;
}
export const HOLD_COLUMNS = 'tenant_id, id, order_id, kind, ref, units, state, contact_id, expires_at, lines, returned';

/** Read-only quote against the live catalog. */
export async function evaluateCart(ctx: PromotionContext, cart: Cart): Promise<Evaluation> {
  const catalog = await ctx.catalog.get(ctx.tenantId);
  const facts = await loadFacts(ctx.db, ctx.tenantId, cart, catalog, ctx.now);
  return evaluate(cart, facts, { now: ctx.now.getTime() });
}

/**
 * Gives back what holds took: quota units, promo-code uses, and single-use codes still held by
 * the same order (a code another order took over after this hold expired stays with that order).
 */
export async function giveBack(tx: Tx, holds: Pick<HoldRow, 'tenant_id' | 'kind' | 'ref' | 'units' | 'order_id'>[]): Promise<void> {
  for (const h of holds) {
    if (h.kind === 'advantage') {
      await tx.query(`UPDATE advantages SET quota_taken = quota_taken - $3 WHERE tenant_id = $1 AND id = $2`, [h.tenant_id, h.ref, h.units]);
    } else if (h.kind === 'promo-code') {
      await tx.query(`UPDATE promo_codes SET uses_taken = uses_taken - $3 WHERE tenant_id = $1 AND id = $2`, [h.tenant_id, h.ref, h.units]);
    } else {
      await tx.query(
        `UPDATE single_use_codes SET state = 'available', hold_order_id = NULL, held_until = NULL
         WHERE tenant_id = $1 AND code = $2 AND state = 'held' AND hold_order_id = $3`,
        [h.tenant_id, h.ref, h.order_id],
      );
    }
  }
}

/** Ends the expired holds on one advantage or promo code before counting what is left of it. */
export async function expireHoldsOn(tx: Tx, tenantId: string, kind: HoldKind, ref: string, now: Date): Promise<void> {
  const expired = await sql<HoldRow>(
    tx,
    `UPDATE holds SET state = 'expired', settled_at = $4
     WHERE tenant_id = $1 AND kind = $2 AND ref = $3 AND state = 'held' AND expires_at <= $4 RETURNING ${HOLD_COLUMNS}`,
    [tenantId, kind, ref, now],
  );
  await giveBack(tx, expired);
}

/** The expiry job: ends due holds in batches, whoever placed them. Returns how many it ended. */
export async function expireDueHolds(tx: Tx, now: Date, batch = 500): Promise<number> {
  const expired = await sql<HoldRow>(
    tx,
    `UPDATE holds SET state = 'expired', settled_at = $1
     WHERE (tenant_id, id) IN (
       SELECT tenant_id, id FROM holds WHERE state = 'held' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING ${HOLD_COLUMNS}`,
    [now, batch],
  );
  await giveBack(tx, expired);
  return expired.length;
}

interface NewHold {
  orderId: string;
  kind: HoldKind;
  ref: string;
  units: number;
  contactId: string | null;
  expiresAt: Date;
  /** Kept so a refund of these lines can give back what they took. */
  lines: HeldLine[];
}

async function insertHold(tx: Tx, ctx: PromotionContext, h: NewHold) {
  await tx.query(
    `INSERT INTO holds (tenant_id, id, order_id, kind, ref, units, contact_id, expires_at, created_at, lines) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [ctx.tenantId, newId(), h.orderId, h.kind, h.ref, h.units, h.contactId, h.expiresAt, ctx.now, JSON.stringify(h.lines)],
  );
}

const exhausted = (what: string, ref: string) => new DomainError('PROMOTION_QUOTA_EXHAUSTED', `${what} has nothing left to hold`, { ref });

/**
 * Evaluates the cart again on fresh rows and holds what it uses, all in one transaction. A
 * conditional UPDATE decides each quota unit and each code, so concurrent holds can never take
 * more than there is; the first error rolls everything back.
 */
export async function placeHold(ctx: PromotionContext, input: ParsedRequestOf<typeof PlaceHold>): Promise<ReplyOf<typeof PlaceHold>> {
  const { orderId, cart } = input;
  const now = ctx.now;
  return ctx.db.transaction(async (tx) => {
    await oneAtATimePerOrder(tx, 'promotion-hold', ctx.tenantId, orderId);
    return onceByKey(tx, { tenantId: ctx.tenantId, scope: 'holds.place', key: orderId }, input, async () => {
      if (await orderClosed(tx, 'promotion-hold', ctx.tenantId, orderId)) throw new DomainError('PROMOTION_HOLD_CLOSED', 'The order was released', { orderId });
      const facts = await loadFacts(tx, ctx.tenantId, cart, await freshSnapshot(tx, ctx.tenantId, cart, now), now);
      const evaluation = evaluate(cart, facts, { now: now.getTime(), orderId });
      const unusable = evaluation.notApplied.filter((n) => n.kind !== 'advantage');
      if (unusable.length) {
        throw new DomainError('PROMOTION_CODE_NOT_AVAILABLE', 'A typed code cannot be used for this cart', { codes: unusable });
      }
      if (input.expectedTotalMinor !== undefined && input.expectedTotalMinor !== evaluation.totalMinor) {
        const quotaGone = evaluation.notApplied.some((n) => n.reason === 'quota-exhausted');
        throw new DomainError(quotaGone ? 'PROMOTION_QUOTA_EXHAUSTED' : 'PROMOTION_PRICE_CHANGED', 'The cart no longer prices as quoted', {
          expectedTotalMinor: input.expectedTotalMinor,
          totalMinor: evaluation.totalMinor,
        });
      }
      const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
      const contactId = cart.contact?.contactId ?? null;
      for (const a of evaluation.advantages) {
        await expireHoldsOn(tx, ctx.tenantId, 'advantage', a.advantageId, now);
        const taken = await sql(
          tx,
          `UPDATE advantages SET quota_taken = quota_taken + $3
           WHERE tenant_id = $1 AND id = $2 AND state = 'in-operation' AND (quota IS NULL OR quota_taken + $3 <= quota) RETURNING id`,
          [ctx.tenantId, a.advantageId, a.units],
        );
        if (taken.length === 0) throw exhausted('The advantage quota', a.advantageId);
        const lines = linesReducedBy(evaluation, a.advantageId);
        await insertHold(tx, ctx, { orderId, kind: 'advantage', ref: a.advantageId, units: a.units, contactId, expiresAt, lines });
        if (a.singleUseCode) await holdCode(tx, ctx, { orderId, kind: 'single-use-code', ref: a.singleUseCode, units: 1, contactId, expiresAt, lines });
      }
      for (const p of evaluation.promoCodes) {
        await expireHoldsOn(tx, ctx.tenantId, 'promo-code', p.promoCodeId, now);
        const taken = await sql(
          tx,
          `UPDATE promo_codes SET uses_taken = uses_taken + 1
           WHERE tenant_id = $1 AND id = $2 AND state = 'in-operation' AND (max_uses IS NULL OR uses_taken < max_uses) RETURNING id`,
          [ctx.tenantId, p.promoCodeId],
        );
        if (taken.length === 0) throw exhausted('The promo code', p.accessCode);
        await insertHold(tx, ctx, { orderId, kind: 'promo-code', ref: p.promoCodeId, units: 1, contactId, expiresAt, lines: linesReducedBy(evaluation, p.promoCodeId) });
      }
      return { ...evaluation, orderId, holdExpiresAt: expiresAt.toISOString() };
    });
  });
}

/**
 * Exactly one order wins a code: the row is taken only while available or held by an expired
 * hold. The expired hold is ended first, holds before codes, in the order the expiry job and a
 * release lock them: taking the code first deadlocked with the job ending that same hold.
 */
async function holdCode(tx: Tx, ctx: PromotionContext, hold: NewHold): Promise<void> {
  const { orderId, ref: code, expiresAt } = hold;
  await expireHoldsOn(tx, ctx.tenantId, 'single-use-code', code, ctx.now);
  const taken = await sql(
    tx,
    `UPDATE single_use_codes SET state = 'held', hold_order_id = $3, held_until = $4
     WHERE tenant_id = $1 AND code = $2 AND (state = 'available' OR (state = 'held' AND held_until <= $5)) RETURNING code`,
    [ctx.tenantId, code, orderId, expiresAt, ctx.now],
  );
  if (taken.length === 0) throw new DomainError('PROMOTION_CODE_NOT_AVAILABLE', 'The single-use code was just taken by another order', { code });
  await insertHold(tx, ctx, hold);
}

type HoldsResult = z.infer<typeof HoldsReply>;
/** Captured, and perhaps refunded since: either way the order was confirmed. */
const sold = (state: HoldRow['state']) => state === 'captured' || state === 'refunded';
const replyOf = (orderId: string, state: HoldsResult['state'], holds: HoldRow[]): HoldsResult => ({
  orderId,
  state,
  holds: holds.map((h) => ({ kind: h.kind, ref: h.ref, units: h.units })),
});

/** The order's holds, locked; undefined when the order never held here. */
async function orderHoldsIfAny(tx: Tx, tenantId: string, orderId: string): Promise<HoldRow[] | undefined> {
  const holds = await sql<HoldRow>(tx, `SELECT ${HOLD_COLUMNS} FROM holds WHERE tenant_id = $1 AND order_id = $2 ORDER BY id FOR UPDATE`, [
    tenantId,
    orderId,
  ]);
  if (holds.length > 0) return holds;
  // A hold placed on a cart with nothing to hold leaves no rows, only its idempotency record.
  const placed = await sql(tx, `SELECT 1 FROM idempotent_commands WHERE tenant_id = $1 AND scope = 'holds.place' AND key = $2`, [tenantId, orderId]);
  return placed.length === 0 ? undefined : [];
}

async function orderHolds(tx: Tx, tenantId: string, orderId: string): Promise<HoldRow[]> {
  const holds = await orderHoldsIfAny(tx, tenantId, orderId);
  if (!holds) throw notFound('Hold for this order');
  return holds;
}

/** The order is confirmed: codes become used, quota units and promo uses sold. Repeats are no-ops. */
export async function captureHold(ctx: PromotionContext, orderId: string): Promise<HoldsResult> {
  return ctx.db.transaction(async (tx) => {
    const holds = await orderHolds(tx, ctx.tenantId, orderId);
    const live = holds.filter((h) => h.state === 'held');
    if (live.length === 0) {
      if (holds.every((h) => sold(h.state))) return replyOf(orderId, 'captured', holds);
      if (holds.some((h) => h.state === 'expired')) throw new DomainError('PROMOTION_HOLD_EXPIRED', 'The hold expired');
      throw new DomainError('PROMOTION_HOLD_CLOSED', 'The hold was released');
    }
    if (live.length !== holds.length || live.some((h) => h.expires_at.getTime() <= ctx.now.getTime())) {
      throw new DomainError('PROMOTION_HOLD_EXPIRED', 'The hold expired', { orderId });
    }
    const contactId = live[0]?.contact_id ?? null;
    const codes = live.filter((h) => h.kind === 'single-use-code').map((h) => h.ref);
    if (codes.length) {
      const used = await sql(
        tx,
        `UPDATE single_use_codes SET state = 'used', used_at = $4, used_by = $5, order_id = $3, hold_order_id = NULL, held_until = NULL
         WHERE tenant_id = $1 AND code = ANY($2::text[]) AND state = 'held' AND hold_order_id = $3 RETURNING code`,
        [ctx.tenantId, codes, orderId, ctx.now, contactId],
      );
      if (used.length !== codes.length) throw new DomainError('PROMOTION_HOLD_EXPIRED', 'A code of this hold went to another order');
    }
    await tx.query(`UPDATE holds SET state = 'captured', settled_at = $3 WHERE tenant_id = $1 AND order_id = $2 AND state = 'held'`, [
      ctx.tenantId,
      orderId,
      ctx.now,
    ]);
    await enqueueEvent(tx, {
      contract: PromotionHoldsCaptured,
      tenantId: ctx.tenantId,
      data: {
        orderId,
        contactId,
        advantageIds: live.filter((h) => h.kind === 'advantage').map((h) => h.ref),
        promoCodeIds: live.filter((h) => h.kind === 'promo-code').map((h) => h.ref),
        singleUseCodes: codes,
        capturedAt: ctx.now.toISOString(),
      },
    });
    return replyOf(orderId, 'captured', holds);
  });
}

/**
 * The order is cancelled: everything held goes back. Repeats are no-ops; a captured order cannot
 * be released. The order is closed to later holds, even when nothing was held yet.
 */
export async function releaseHold(ctx: PromotionContext, orderId: string): Promise<HoldsResult> {
  const released = await ctx.db.transaction(async (tx) => {
    await oneAtATimePerOrder(tx, 'promotion-hold', ctx.tenantId, orderId);
    await closeOrder(tx, 'promotion-hold', ctx.tenantId, orderId);
    const holds = await orderHoldsIfAny(tx, ctx.tenantId, orderId);
    if (!holds) return undefined;
    if (holds.some((h) => sold(h.state))) throw new DomainError('PROMOTION_HOLD_CAPTURED', 'The order was already confirmed');
    const live = holds.filter((h) => h.state === 'held');
    await tx.query(`UPDATE holds SET state = 'released', settled_at = $3 WHERE tenant_id = $1 AND order_id = $2 AND state = 'held'`, [
      ctx.tenantId,
      orderId,
      ctx.now,
    ]);
    await giveBack(tx, live);
    return replyOf(orderId, 'released', holds);
  });
  // Outside the transaction: a release that found nothing has still closed the order to late holds.
  if (!released) throw notFound('Hold for this order');
  return released;
}
