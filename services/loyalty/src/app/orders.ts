import type { ConsumedEvent, Tx } from '@tlp/platform';
import { sql } from '@tlp/platform';
import type { CreditNoteConverted, OrderCompleted, OrderRefunded, Program, TicketScanned } from '@tlp/contracts';
import { pointsEarned, pointsForAmount, pointsToReverse } from '../domain/earn';
import { credit, debit, lockAccount, lotExpiry } from './ledger';
import { listPrograms, openAccount, resolveProgram } from './programs';

const now = () => new Date();

/**
 * Orders completed: activity first (spending, tickets, season-ticket holding), then the points of
 * every active program, once per order (a unique row per order, whatever the event id), and the
 * rewards the order used. Batches of events are applied in one transaction by the consumer.
 */
export async function applyCompletedOrders(tx: Tx, events: ConsumedEvent<typeof OrderCompleted>[]): Promise<void> {
  const programs = new Map<string, Program[]>();
  for (const { envelope } of events) {
    const tenantId = envelope.tenantId;
    const order = envelope.data;
    if (!order.contactId) continue;
    const tickets = order.lines.filter((l) => l.productFamily !== 'service' && l.productFamily !== 'voucher').reduce((s, l) => s + l.quantity, 0);
    const boughtSeasonTicket = order.lines.some((l) => l.productFamily === 'season-ticket');
    const [activity] = await sql<{ season_ticket_holder: boolean }>(
      tx,
      `INSERT INTO activity (tenant_id, contact_id, total_spending_minor, tickets, season_ticket_holder) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, contact_id) DO UPDATE SET total_spending_minor = activity.total_spending_minor + EXCLUDED.total_spending_minor,
         tickets = activity.tickets + EXCLUDED.tickets, season_ticket_holder = activity.season_ticket_holder OR EXCLUDED.season_ticket_holder
       RETURNING season_ticket_holder`,
      [tenantId, order.contactId, order.totalPaidMinor, tickets, boughtSeasonTicket],
    );
    if (!programs.has(tenantId)) programs.set(tenantId, (await listPrograms(tx, tenantId)).filter((p) => p.active));
    for (const program of programs.get(tenantId)!) {
      const points = pointsEarned({ rules: program.earnRules, seasonTicketHoldersOnly: program.seasonTicketHoldersOnly }, order, activity?.season_ticket_holder ?? false);
      const { account } = await openAccount(tx, tenantId, program, order.contactId, null);
      const claimed = await sql(tx, `INSERT INTO order_earnings (tenant_id, order_id, account_id, points, total_paid_minor) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING order_id`, [
        tenantId,
        order.orderId,
        account.account_id,
        points,
        order.totalPaidMinor,
      ]);
      if (claimed.length === 0 || points === 0) continue;
      const locked = await lockAccount(tx, tenantId, account.account_id);
      await credit(tx, tenantId, locked, points, lotExpiry(program, now()), { kind: 'earn', orderId: order.orderId });
    }
    await recordRewardUses(tx, tenantId, order.contactId, order.orderId, order.lines);
  }
}

async function recordRewardUses(tx: Tx, tenantId: string, contactId: string, orderId: string, lines: { reductions: { source: string; ref: string; amountMinor: number }[] }[]): Promise<void> {
  const byReward = new Map<string, number>();
  for (const l of lines) for (const r of l.reductions) if (r.source === 'reward') byReward.set(r.ref, (byReward.get(r.ref) ?? 0) + r.amountMinor);
  for (const [rewardId, discount] of byReward) {
    const used = await sql(
      tx,
      `INSERT INTO reward_uses (tenant_id, reward_id, contact_id, order_id, discount_minor)
       SELECT $1, reward_id, $3, $4, $5 FROM rewards WHERE tenant_id = $1 AND reward_id = $2 ON CONFLICT DO NOTHING RETURNING reward_id`,
      [tenantId, rewardId, contactId, orderId, discount],
    );
    if (used.length) {
      await tx.query(
        `UPDATE reward_grants g SET state = 'used', used_at = now() FROM rewards r
         WHERE g.tenant_id = $1 AND g.reward_id = $2 AND g.contact_id = $3 AND g.state = 'active' AND r.reward_id = g.reward_id AND r.settings->'validity'->>'kind' = 'one-time'`,
        [tenantId, rewardId, contactId],
      );
    }
  }
}

/** Refunds take back earned points in proportion to what was refunded, and never below zero. */
export async function applyRefund(tx: Tx, e: ConsumedEvent<typeof OrderRefunded>): Promise<void> {
  const { tenantId, data } = e.envelope;
  const earnings = await sql<{ account_id: string; points: number; total_paid_minor: string; refunded_minor: string; reversed: number }>(
    tx,
    `SELECT * FROM order_earnings WHERE tenant_id = $1 AND order_id = $2 FOR UPDATE`,
    [tenantId, data.orderId],
  );
  if (data.contactId) {
    await tx.query(`UPDATE activity SET total_spending_minor = greatest(0, total_spending_minor - $3) WHERE tenant_id = $1 AND contact_id = $2`, [
      tenantId,
      data.contactId,
      data.totalRefundedMinor,
    ]);
  }
  for (const earning of earnings) {
    const refunded = Number(earning.refunded_minor) + data.totalRefundedMinor;
    const due = pointsToReverse(earning.points, earning.reversed, Number(earning.total_paid_minor), refunded);
    const account = await lockAccount(tx, tenantId, earning.account_id);
    // Points already spent cannot be taken back: the balance never goes below zero.
    const taken = Math.min(due, account.balance);
    if (taken > 0) await debit(tx, tenantId, account, taken, new Date(), { kind: 'reverse', orderId: data.orderId, reason: `refund ${data.refundId}` });
    await tx.query(`UPDATE order_earnings SET refunded_minor = $3, reversed = reversed + $4 WHERE tenant_id = $1 AND order_id = $2`, [tenantId, data.orderId, refunded, due]);
  }
}

export async function applyScan(tx: Tx, e: ConsumedEvent<typeof TicketScanned>): Promise<void> {
  const { tenantId, data } = e.envelope;
  if (!data.contactId) return;
  await tx.query(
    `INSERT INTO activity (tenant_id, contact_id, events_attended) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET events_attended = activity.events_attended + 1`,
    [tenantId, data.contactId],
  );
}

/** Part of a credit note turned into points (seed 000): credited at the program's rate, once per event. */
export async function applyCreditNoteConversion(tx: Tx, e: ConsumedEvent<typeof CreditNoteConverted>): Promise<void> {
  const { tenantId, data } = e.envelope;
  const program = await resolveProgram(tx, tenantId, data.programId);
  const { account } = await openAccount(tx, tenantId, program, data.contactId, null);
  const locked = await lockAccount(tx, tenantId, account.account_id);
  const points = pointsForAmount(data.amountMinor, program.valueNumerator, program.valueDenominator);
  await credit(tx, tenantId, locked, points, lotExpiry(program, now()), { kind: 'refund', reason: `credit note ${data.creditNoteId}, conversion ${data.conversionId}` });
}


