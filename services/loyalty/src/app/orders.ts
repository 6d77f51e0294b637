import { enqueueEvents, newId, sql, type ConsumedEvent, type Tx } from '@tlp/platform';
import { LoyaltyAccountCreated, type CreditNoteConverted, type EventData, type OrderCompleted, type OrderRefunded, type Program, type TicketScanned } from '@tlp/contracts';
import { paidOutsidePoints, pointsEarned, pointsForAmount, pointsToReverse } from '../domain/earn';
import { credit, debit, lockAccount, lotExpiry, recordAll } from './ledger';
import { listPrograms, openAccount, resolveProgram, type AccountRow } from './programs';

const now = () => new Date();

interface CompletedOrder {
  tenantId: string;
  order: EventData<typeof OrderCompleted> & { contactId: string };
}

/**
 * Orders completed: activity first (spending, tickets, season-ticket holding), then the points of
 * every active program, once per order (a unique row per order, whatever the event id), then the
 * rewards the orders used. A batch of events is applied set-based, tenant by tenant, in a
 * handful of statements, so earning keeps up with a busy sales day.
 */
export async function applyCompletedOrders(tx: Tx, events: ConsumedEvent<typeof OrderCompleted>[]): Promise<void> {
  const byTenant = new Map<string, CompletedOrder[]>();
  for (const { envelope } of events) {
    const order = envelope.data;
    if (!order.contactId) continue;
    byTenant.set(envelope.tenantId, [...(byTenant.get(envelope.tenantId) ?? []), { tenantId: envelope.tenantId, order: { ...order, contactId: order.contactId } }]);
  }
  for (const [tenantId, orders] of byTenant) {
    const holders = await recordActivity(tx, tenantId, orders);
    for (const program of (await listPrograms(tx, tenantId)).filter((p) => p.active)) await earn(tx, tenantId, program, orders, holders);
    for (const { order } of orders) await recordRewardUses(tx, tenantId, order.contactId, order.orderId, order.lines);
  }
}

/** Adds the orders to each contact's activity; returns the contacts who hold a season ticket. */
async function recordActivity(tx: Tx, tenantId: string, orders: CompletedOrder[]): Promise<Set<string>> {
  const per = new Map<string, { spending: number; tickets: number; holder: boolean }>();
  for (const { order } of orders) {
    const a = per.get(order.contactId) ?? { spending: 0, tickets: 0, holder: false };
    a.spending += order.totalPaidMinor;
    a.tickets += order.lines.filter((l) => l.productFamily !== 'service' && l.productFamily !== 'voucher').reduce((s, l) => s + l.quantity, 0);
    a.holder ||= order.lines.some((l) => l.productFamily === 'season-ticket');
    per.set(order.contactId, a);
  }
  const contacts = [...per.keys()].sort();
  const rows = await sql<{ contact_id: string; season_ticket_holder: boolean }>(
    tx,
    `INSERT INTO activity (tenant_id, contact_id, total_spending_minor, tickets, season_ticket_holder)
     SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::int[], $5::boolean[])
     ON CONFLICT (tenant_id, contact_id) DO UPDATE SET total_spending_minor = activity.total_spending_minor + EXCLUDED.total_spending_minor,
       tickets = activity.tickets + EXCLUDED.tickets, season_ticket_holder = activity.season_ticket_holder OR EXCLUDED.season_ticket_holder
     RETURNING contact_id, season_ticket_holder`,
    [tenantId, contacts, contacts.map((c) => per.get(c)!.spending), contacts.map((c) => per.get(c)!.tickets), contacts.map((c) => per.get(c)!.holder)],
  );
  return new Set(rows.filter((r) => r.season_ticket_holder).map((r) => r.contact_id));
}

async function earn(tx: Tx, tenantId: string, program: Program, orders: CompletedOrder[], holders: Set<string>): Promise<void> {
  const contacts = [...new Set(orders.map((o) => o.order.contactId))].sort();
  const accounts = await openAccounts(tx, tenantId, program, contacts);
  const earned = orders.map(({ order }) => ({
    order,
    account: accounts.get(order.contactId)!,
    points: pointsEarned(
      { rules: program.earnRules, seasonTicketHoldersOnly: program.seasonTicketHoldersOnly },
      { ...order, lines: paidOutsidePoints(order.lines, order.payments) },
      holders.has(order.contactId),
    ),
  }));
  const claimed = new Set(
    (
      await sql<{ order_id: string }>(
        tx,
        `INSERT INTO order_earnings (tenant_id, order_id, account_id, points, total_paid_minor)
         SELECT $1, * FROM unnest($2::text[], $3::uuid[], $4::int[], $5::bigint[]) ON CONFLICT DO NOTHING RETURNING order_id`,
        [tenantId, earned.map((e) => e.order.orderId), earned.map((e) => e.account.account_id), earned.map((e) => e.points), earned.map((e) => e.order.totalPaidMinor)],
      )
    ).map((r) => r.order_id),
  );
  // The same order twice in one batch is claimed once: keep its first copy only.
  const credited = earned.filter((e) => e.points > 0 && claimed.delete(e.order.orderId));
  if (credited.length === 0) return;
  const expiresAt = lotExpiry(program, now());
  await tx.query(
    `INSERT INTO lots (lot_id, tenant_id, account_id, points, remaining, expires_at, order_id)
     SELECT l.id, $1, l.account_id, l.points, l.points, $2, l.order_id FROM unnest($3::uuid[], $4::uuid[], $5::int[], $6::text[]) AS l(id, account_id, points, order_id)`,
    [tenantId, expiresAt, credited.map(() => newId()), credited.map((e) => e.account.account_id), credited.map((e) => e.points), credited.map((e) => e.order.orderId)],
  );
  const changes = new Map<string, { account: AccountRow; changes: { kind: 'earn'; points: number; orderId: string }[] }>();
  for (const e of credited) {
    const item = changes.get(e.account.account_id) ?? { account: e.account, changes: [] };
    item.changes.push({ kind: 'earn', points: e.points, orderId: e.order.orderId });
    changes.set(e.account.account_id, item);
  }
  await recordAll(tx, tenantId, [...changes.values()]);
}

/** Opens the accounts that do not exist yet (announcing them) and locks them all, in account id order. */
async function openAccounts(tx: Tx, tenantId: string, program: Program, contacts: string[]): Promise<Map<string, AccountRow>> {
  const created = await sql<AccountRow>(
    tx,
    `INSERT INTO accounts (account_id, tenant_id, program_id, contact_id)
     SELECT c.id, $1, $2, c.contact_id FROM unnest($3::uuid[], $4::text[]) AS c(id, contact_id) ON CONFLICT DO NOTHING RETURNING *`,
    [tenantId, program.programId, contacts.map(() => newId()), contacts],
  );
  await enqueueEvents(
    tx,
    created.map((a) => ({ contract: LoyaltyAccountCreated, tenantId, data: { accountId: a.account_id, programId: program.programId, contactId: a.contact_id, phone: null } })),
  );
  const rows = await sql<AccountRow>(
    tx,
    `SELECT * FROM accounts WHERE tenant_id = $1 AND program_id = $2 AND contact_id = ANY($3::text[]) ORDER BY account_id FOR UPDATE`,
    [tenantId, program.programId, contacts],
  );
  return new Map(rows.map((r) => [r.contact_id, r]));
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


