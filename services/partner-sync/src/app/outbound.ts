import type { ContactRegistered, EventData, OrderCompleted, OrderRefunded } from '@tlp/contracts';
import { sql, type Logger, type Tx } from '@tlp/platform';
import { enqueueDeliveries, enqueueDelivery } from '../db/deliveries';
import { listPartners } from '../db/partners';
import { computeEarn, refundPoints, reversalPoints } from '../domain/rules';

/** What a consumer hands a use case: the event's tenant and id, inside the consumer's transaction. */
export interface EventContext {
  tx: Tx;
  tenantId: string;
  eventId: string;
  occurredAt: string;
  log: Logger;
}

export interface RegisteredContact {
  tenantId: string;
  occurredAt: string;
  data: EventData<typeof ContactRegistered>;
}

/**
 * Every new contact is shared with each active partner of its tenant, who sends the welcome email
 * (seed 000). A batch of registrations costs three statements, whatever its size.
 */
export async function shareContacts(tx: Tx, contacts: RegisteredContact[]): Promise<void> {
  // One row per contact in the statement: PostgreSQL refuses to upsert the same row twice at once.
  const flags = new Map<string, { tenantId: string; contactId: string; holder: boolean }>();
  for (const c of contacts) {
    const key = `${c.tenantId}/${c.data.contactId}`;
    flags.set(key, { tenantId: c.tenantId, contactId: c.data.contactId, holder: (flags.get(key)?.holder ?? false) || c.data.seasonTicketHolder });
  }
  const rows = [...flags.values()];
  await sql(
    tx,
    `INSERT INTO contacts (tenant_id, contact_id, season_ticket_holder) SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[])
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET season_ticket_holder = contacts.season_ticket_holder OR EXCLUDED.season_ticket_holder`,
    [rows.map((r) => r.tenantId), rows.map((r) => r.contactId), rows.map((r) => r.holder)],
  );
  const partners = await activePartnersOf(tx, [...new Set(contacts.map((c) => c.tenantId))]);
  await enqueueDeliveries(
    tx,
    contacts.flatMap(({ tenantId, occurredAt, data }) =>
      (partners.get(tenantId) ?? []).map((partnerId) => ({
        tenantId,
        partnerId,
        kind: 'member.share' as const,
        sourceKey: `contact:${data.contactId}`,
        path: '/v1/members',
        payload: {
          externalRef: data.contactId,
          email: data.email ?? null,
          phone: data.phone ?? null,
          firstName: data.firstName ?? null,
          lastName: data.lastName ?? null,
          locale: data.locale ?? null,
          seasonTicketHolder: data.seasonTicketHolder,
          registeredAt: occurredAt,
        },
      })),
    ),
  );
}

async function activePartnersOf(tx: Tx, tenantIds: string[]): Promise<Map<string, string[]>> {
  const rows = await sql<{ tenant_id: string; partner_id: string }>(
    tx,
    `SELECT tenant_id, partner_id FROM partners WHERE tenant_id = ANY($1::text[]) AND active ORDER BY created_at, partner_id`,
    [tenantIds],
  );
  const byTenant = new Map<string, string[]>();
  for (const r of rows) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.partner_id]);
  return byTenant;
}

/** A completed order reports an earn transaction to each partner whose rules it meets. */
export async function reportEarn(ctx: EventContext, order: EventData<typeof OrderCompleted>): Promise<void> {
  const contactId = order.contactId;
  if (!contactId) return;
  const partners = await listPartners(ctx.tx, ctx.tenantId, true);
  if (partners.length === 0) return;
  // Buying a season ticket for oneself makes one a holder, for this order and the next ones.
  const buysSeasonTicket = order.lines.some((l) => l.productFamily === 'season-ticket' && (l.beneficiaryContactId ?? contactId) === contactId);
  const [contact] = await sql<{ season_ticket_holder: boolean }>(
    ctx.tx,
    `INSERT INTO contacts (tenant_id, contact_id, season_ticket_holder) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET season_ticket_holder = contacts.season_ticket_holder OR EXCLUDED.season_ticket_holder
     RETURNING season_ticket_holder`,
    [ctx.tenantId, contactId, buysSeasonTicket],
  );
  const left = new Set(
    (
      await sql<{ partner_id: string }>(ctx.tx, `SELECT partner_id FROM members WHERE tenant_id = $1 AND contact_id = $2 AND status = 'left'`, [
        ctx.tenantId,
        contactId,
      ])
    ).map((r) => r.partner_id),
  );
  const paidWithPartnerPointsMinor = order.payments.filter((p) => p.method === 'partner-points').reduce((s, p) => s + p.amountMinor, 0);
  for (const partner of partners) {
    const decision = computeEarn(
      partner.earn,
      { channel: order.channel, pointOfSale: order.pointOfSale, lines: order.lines, paidWithPartnerPointsMinor },
      { seasonTicketHolder: contact?.season_ticket_holder ?? false, memberLeft: left.has(partner.partnerId) },
    );
    if (!decision.earns) {
      ctx.log.debug({ orderId: order.orderId, partnerId: partner.partnerId, reason: decision.reason }, 'order earns no partner points');
      continue;
    }
    const queued = await enqueueDelivery(ctx.tx, {
      tenantId: ctx.tenantId,
      partnerId: partner.partnerId,
      kind: 'earn',
      sourceKey: `order:${order.orderId}`,
      path: '/v1/earn-transactions',
      payload: {
        externalRef: contactId,
        orderId: order.orderId,
        points: decision.points,
        amountMinor: decision.lines.reduce((s, l) => s + l.basisMinor, 0),
        currency: order.currency,
        channel: order.channel,
        occurredAt: order.completedAt,
        lines: decision.lines,
      },
    });
    if (!queued) continue;
    const paid = new Map(order.lines.map((l) => [l.lineId, l.paidMinor]));
    for (const l of decision.lines) {
      await sql(
        ctx.tx,
        `INSERT INTO earn_lines (tenant_id, partner_id, order_id, line_id, contact_id, paid_minor, points) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [ctx.tenantId, partner.partnerId, order.orderId, l.lineId, contactId, paid.get(l.lineId) ?? 0, l.points],
      );
    }
  }
}

interface EarnLineRow {
  partner_id: string;
  line_id: string;
  contact_id: string;
  paid_minor: number;
  points: number;
  refunded_minor: number;
  reversed_points: number;
}

/**
 * A refund reverses the points its lines earned, in proportion; the part refunded in partner
 * points is credited back to the member. Each is one message per refund id, so a refund seen
 * twice changes nothing the second time.
 */
export async function reportRefund(ctx: EventContext, refund: EventData<typeof OrderRefunded>): Promise<void> {
  const earned = await sql<EarnLineRow>(
    ctx.tx,
    `SELECT partner_id, line_id, contact_id, paid_minor, points, refunded_minor, reversed_points FROM earn_lines
     WHERE tenant_id = $1 AND order_id = $2 ORDER BY partner_id, line_id FOR UPDATE`,
    [ctx.tenantId, refund.orderId],
  );
  const refunded = new Map(refund.lines.map((l) => [l.lineId, l.amountMinor]));
  for (const partnerId of new Set(earned.map((e) => e.partner_id))) {
    const lines = earned
      .filter((e) => e.partner_id === partnerId && refunded.has(e.line_id))
      .map((e) => ({ row: e, ...reversalPoints({ paidMinor: e.paid_minor, points: e.points, refundedMinor: e.refunded_minor, reversedPoints: e.reversed_points }, refunded.get(e.line_id) ?? 0) }));
    const points = lines.reduce((s, l) => s + l.points, 0);
    if (points === 0) continue;
    const queued = await enqueueDelivery(ctx.tx, {
      tenantId: ctx.tenantId,
      partnerId,
      kind: 'earn.reversal',
      sourceKey: `refund:${refund.refundId}`,
      path: '/v1/earn-reversals',
      payload: { externalRef: lines[0]!.row.contact_id, orderId: refund.orderId, refundId: refund.refundId, points, occurredAt: refund.refundedAt },
    });
    if (!queued) continue;
    for (const l of lines) {
      await sql(
        ctx.tx,
        `UPDATE earn_lines SET refunded_minor = $5, reversed_points = reversed_points + $6
         WHERE tenant_id = $1 AND partner_id = $2 AND order_id = $3 AND line_id = $4`,
        [ctx.tenantId, partnerId, refund.orderId, l.row.line_id, l.refundedMinor, l.points],
      );
    }
  }
  await creditSpentPoints(ctx, refund);
}

async function creditSpentPoints(ctx: EventContext, refund: EventData<typeof OrderRefunded>): Promise<void> {
  const inPoints = refund.split.filter((p) => p.method === 'partner-points').reduce((s, p) => s + p.amountMinor, 0);
  if (inPoints === 0) return;
  const [hold] = await sql<{ hold_id: string; partner_id: string; contact_id: string; points: number; amount_minor: number; refunded_minor: number; refunded_points: number }>(
    ctx.tx,
    `SELECT hold_id, partner_id, contact_id, points, amount_minor, refunded_minor, refunded_points FROM spend_holds
     WHERE tenant_id = $1 AND order_id = $2 AND state = 'captured' FOR UPDATE`,
    [ctx.tenantId, refund.orderId],
  );
  if (!hold) {
    ctx.log.warn({ orderId: refund.orderId, refundId: refund.refundId }, 'refund in partner points for an order with no captured partner points: ignored');
    return;
  }
  const credit = refundPoints(
    { points: hold.points, amountMinor: hold.amount_minor, refundedMinor: hold.refunded_minor, refundedPoints: hold.refunded_points },
    inPoints,
  );
  if (credit.points === 0) return;
  const queued = await enqueueDelivery(ctx.tx, {
    tenantId: ctx.tenantId,
    partnerId: hold.partner_id,
    kind: 'spend.refund',
    sourceKey: `refund:${refund.refundId}`,
    path: '/v1/refunds',
    payload: {
      externalRef: hold.contact_id,
      authorisationId: hold.hold_id,
      orderId: refund.orderId,
      refundId: refund.refundId,
      points: credit.points,
      occurredAt: refund.refundedAt,
    },
  });
  if (queued) {
    await sql(ctx.tx, `UPDATE spend_holds SET refunded_minor = $3, refunded_points = refunded_points + $4 WHERE tenant_id = $1 AND hold_id = $2`, [
      ctx.tenantId,
      hold.hold_id,
      credit.refundedMinor,
      credit.points,
    ]);
  }
}
