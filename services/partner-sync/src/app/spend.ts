import { createHash } from 'node:crypto';
import { DomainError, type ParsedRequestOf, type PartnerHold, type spendHold } from '@tlp/contracts';
import { closeOrder, newId, oneAtATimePerOrder, orderClosed, sql, type Tx } from '@tlp/platform';
import { enqueueDelivery } from '../db/deliveries';
import { checkSpend, pointsFor } from '../domain/rules';
import { breakerOpen, PartnerUnreachable } from '../transport/partner-api';
import { endpointOf } from './delivery';
import type { Ports, UseCaseContext } from './ports';
import { requirePartner } from './partners';

type HoldState = 'pending' | 'held' | 'captured' | 'released' | 'expired' | 'failed';

interface HoldRow {
  hold_id: string;
  partner_id: string;
  order_id: string;
  contact_id: string;
  points: number;
  amount_minor: number;
  currency: string;
  request_hash: string;
  state: HoldState;
  expires_at: Date;
}

/** Holds and releases of one order's partner points take turns, and a release closes the order. */
export const SPEND_HOLD = 'partner-spend-hold';

const holdColumns = `hold_id, partner_id, order_id, contact_id, points, amount_minor, currency, request_hash, state, expires_at`;

const view = (h: HoldRow): PartnerHold => ({
  holdId: h.hold_id,
  partnerId: h.partner_id,
  orderId: h.order_id,
  contactId: h.contact_id,
  points: h.points,
  amountMinor: h.amount_minor,
  currency: h.currency,
  // A hold that never reached the partner reads as released: nothing is held for the order.
  state: h.state === 'pending' || h.state === 'failed' ? 'released' : h.state,
  expiresAt: h.expires_at.toISOString(),
});

const hashOf = (input: unknown) => createHash('sha256').update(JSON.stringify(input)).digest('hex');

/**
 * Holds partner points for an order: a spend authorisation at the partner, under our hold id (the
 * partner's dedupe key). One hold per order: a repeat returns it; a repeat after a failure asks the
 * partner again under the same id. The rules come first: blocked product families, channels and
 * points of sale cannot be paid with points.
 */
export async function holdPoints(ctx: UseCaseContext, ports: Ports, input: ParsedRequestOf<typeof spendHold>): Promise<PartnerHold> {
  const partner = await requirePartner(ports.db, ctx, input.partnerId);
  if (!partner.active) throw new DomainError('PARTNER_INACTIVE', `${partner.name} is switched off`);
  if (input.currency !== partner.conversion.currency) {
    throw new DomainError('PARTNER_CURRENCY_MISMATCH', `${partner.name} points convert to ${partner.conversion.currency}, not ${input.currency}`);
  }
  const decision = checkSpend(partner.spend, input);
  if (!decision.allowed) {
    throw new DomainError('PARTNER_SPENDING_NOT_ALLOWED', `${partner.name} points cannot pay ${input.amountMinor} of this order`, {
      reason: decision.reason,
      payableMinor: decision.payableMinor,
      blockedLines: decision.blockedLines,
    });
  }
  const points = pointsFor(input.amountMinor, partner.conversion);
  const requestHash = hashOf(input);
  const expiresAt = new Date(ports.now().getTime() + ports.settings.holdTtlMs);
  const hold = await ports.db.transaction(async (tx) => {
    await oneAtATimePerOrder(tx, SPEND_HOLD, ctx.tenantId, input.orderId);
    const [inserted] = await sql<HoldRow>(
      tx,
      `INSERT INTO spend_holds (tenant_id, hold_id, partner_id, order_id, contact_id, points, amount_minor, currency, request_hash, state, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10) ON CONFLICT (tenant_id, order_id) DO NOTHING RETURNING ${holdColumns}`,
      [ctx.tenantId, newId(), partner.partnerId, input.orderId, input.contactId, points, input.amountMinor, input.currency, requestHash, expiresAt],
    );
    if (inserted && (await orderClosed(tx, SPEND_HOLD, ctx.tenantId, input.orderId))) {
      throw new DomainError('PARTNER_HOLD_CLOSED', `Order ${input.orderId} was released: its partner points cannot be held any more`, { orderId: input.orderId });
    }
    return inserted ?? (await findHold(tx, ctx.tenantId, input.orderId))!;
  });
  if (hold.request_hash !== requestHash) {
    throw new DomainError('IDEMPOTENCY_KEY_REUSED', `Order ${input.orderId} already has a partner points hold for another request`);
  }
  if (hold.state !== 'pending' && hold.state !== 'failed') return view(hold);

  const fail = async (error: DomainError): Promise<never> => {
    await sql(ports.db, `UPDATE spend_holds SET state = 'failed' WHERE tenant_id = $1 AND hold_id = $2 AND state IN ('pending', 'failed')`, [
      ctx.tenantId,
      hold.hold_id,
    ]);
    throw error;
  };
  let status: number;
  let body: unknown;
  try {
    ({ status, body } = await ports.api.call(endpointOf(partner, ports.now()), {
      method: 'POST',
      path: '/v1/authorisations',
      body: { authorisationId: hold.hold_id, externalRef: hold.contact_id, orderId: hold.order_id, points: hold.points, expiresAt: hold.expires_at.toISOString() },
      messageId: hold.hold_id,
    }));
  } catch (e) {
    if (!(e instanceof PartnerUnreachable) && !breakerOpen(e)) throw e;
    ctx.log.warn({ partnerId: partner.partnerId, orderId: input.orderId, err: (e as Error).message }, 'partner points hold failed: partner unavailable');
    return fail(new DomainError('UNAVAILABLE', `${partner.name} is unavailable: partner points cannot be held now`, { partnerId: partner.partnerId }));
  }
  if (status === 404) return fail(new DomainError('PARTNER_MEMBER_UNKNOWN', `Contact ${input.contactId} is not a member of ${partner.name}`));
  if (status === 409) {
    const available = (body as { available?: unknown } | undefined)?.available;
    return fail(new DomainError('PARTNER_POINTS_INSUFFICIENT', `Not enough ${partner.name} points`, { required: points, ...(Number.isInteger(available) ? { available } : {}) }));
  }
  if (status < 200 || status >= 300) return fail(new DomainError('PARTNER_REJECTED', `${partner.name} refused the hold with HTTP ${status}`));
  const [held] = await sql<HoldRow>(
    ports.db,
    `UPDATE spend_holds SET state = 'held' WHERE tenant_id = $1 AND hold_id = $2 AND state IN ('pending', 'failed') RETURNING ${holdColumns}`,
    [ctx.tenantId, hold.hold_id],
  );
  // Released or expired meanwhile (a cancel raced the hold): the partner is told by the queued release.
  return view(held ?? (await findHold(ports.db, ctx.tenantId, input.orderId))!);
}

async function findHold(q: Tx | Ports['db'], tenantId: string, orderId: string, lock = false): Promise<HoldRow | undefined> {
  const [row] = await sql<HoldRow>(q, `SELECT ${holdColumns} FROM spend_holds WHERE tenant_id = $1 AND order_id = $2${lock ? ' FOR UPDATE' : ''}`, [
    tenantId,
    orderId,
  ]);
  return row;
}

async function requireHold(tx: Tx, ctx: UseCaseContext, orderId: string): Promise<HoldRow> {
  const hold = await findHold(tx, ctx.tenantId, orderId, true);
  if (!hold) throw new DomainError('NOT_FOUND', `No partner points hold for order ${orderId}`);
  return hold;
}

const queueFor = (tx: Tx, tenantId: string, hold: HoldRow, kind: 'spend.capture' | 'spend.release') =>
  enqueueDelivery(tx, {
    tenantId,
    partnerId: hold.partner_id,
    kind,
    sourceKey: `hold:${hold.hold_id}`,
    path: `/v1/authorisations/${hold.hold_id}/${kind === 'spend.capture' ? 'capture' : 'release'}`,
    payload: { authorisationId: hold.hold_id, orderId: hold.order_id, points: hold.points },
  });

/**
 * Captures the hold when the order is confirmed. Decided here, told to the partner through the
 * delivery queue, so a partner down at that moment does not undo a confirmed order. A hold past
 * its expiry cannot be captured, even before the expiry job has released it.
 */
export async function capturePoints(ctx: UseCaseContext, ports: Ports, orderId: string): Promise<PartnerHold> {
  return ports.db.transaction(async (tx) => {
    const hold = await requireHold(tx, ctx, orderId);
    if (hold.state === 'captured') return view(hold);
    if (hold.state === 'expired' || (hold.state === 'held' && hold.expires_at <= ports.now())) {
      throw new DomainError('PARTNER_HOLD_EXPIRED', `The partner points hold of order ${orderId} expired`);
    }
    if (hold.state !== 'held') throw new DomainError('PARTNER_HOLD_CLOSED', `The partner points hold of order ${orderId} is ${view(hold).state}`);
    await sql(tx, `UPDATE spend_holds SET state = 'captured' WHERE tenant_id = $1 AND hold_id = $2`, [ctx.tenantId, hold.hold_id]);
    await queueFor(tx, ctx.tenantId, hold, 'spend.capture');
    return view({ ...hold, state: 'captured' });
  });
}

/**
 * Releases the hold (order cancelled); releasing twice, or after expiry, changes nothing. Closes
 * the order even when it held nothing yet, so that a hold arriving later asks the partner nothing.
 */
export async function releasePoints(ctx: UseCaseContext, ports: Ports, orderId: string): Promise<PartnerHold> {
  const released = await ports.db.transaction(async (tx) => {
    await oneAtATimePerOrder(tx, SPEND_HOLD, ctx.tenantId, orderId);
    await closeOrder(tx, SPEND_HOLD, ctx.tenantId, orderId);
    const hold = await findHold(tx, ctx.tenantId, orderId, true);
    if (!hold) return undefined;
    if (hold.state === 'released' || hold.state === 'expired') return view(hold);
    if (hold.state === 'captured') throw new DomainError('PARTNER_HOLD_CLOSED', `The partner points of order ${orderId} were already captured`);
    await sql(tx, `UPDATE spend_holds SET state = 'released' WHERE tenant_id = $1 AND hold_id = $2`, [ctx.tenantId, hold.hold_id]);
    // Also after a failed hold: the partner may have placed it before our timeout.
    await queueFor(tx, ctx.tenantId, hold, 'spend.release');
    return view({ ...hold, state: 'released' });
  });
  // Outside the transaction: a release that found nothing has still closed the order to late holds.
  if (!released) throw new DomainError('NOT_FOUND', `No partner points hold for order ${orderId}`);
  return released;
}

/** The expiry job: holds nobody confirmed are released at the partner. */
export async function expireHolds(ports: Ports): Promise<number> {
  return ports.db.transaction(async (tx) => {
    const rows = await sql<HoldRow & { tenant_id: string }>(
      tx,
      `UPDATE spend_holds SET state = 'expired' WHERE state IN ('held', 'pending', 'failed') AND expires_at <= now()
       RETURNING tenant_id, ${holdColumns}`,
    );
    for (const h of rows) await queueFor(tx, h.tenant_id, h, 'spend.release');
    return rows.length;
  });
}
