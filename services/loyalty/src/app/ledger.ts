import { DomainError, LoyaltyPointsChanged, LoyaltyPointsExpired, pointsCount, type LoyaltyAccount, type PointsWording, type Program } from '@tlp/contracts';
import { closeOrder, enqueueEvents, newId, oneAtATimePerOrder, orderClosed, sql, type NewEvent, type Tx } from '@tlp/platform';
import { pointsValueMinor } from '../domain/earn';
import { takeFefo, type Lot, type Take } from '../domain/lots';
import { priceInPoints, type AccountRow, type PricedProduct } from './programs';

type EntryKind = 'earn' | 'hold' | 'release' | 'capture' | 'expire' | 'adjust' | 'refund' | 'reverse';

/**
 * The points ledger. Every change of an account runs with the account's row locked, writes an
 * append-only entry with the balance after it, and keeps `balance` equal to the sum of the live
 * lots' remaining points; the CHECK constraints refuse a negative balance whatever happens.
 */
export async function lockAccount(tx: Tx, tenantId: string, accountId: string): Promise<AccountRow> {
  const [row] = await sql<AccountRow>(tx, `SELECT * FROM accounts WHERE tenant_id = $1 AND account_id = $2 FOR UPDATE`, [tenantId, accountId]);
  if (!row) throw new DomainError('ACCOUNT_NOT_FOUND', `No loyalty account ${accountId}`);
  return row;
}

async function liveLots(tx: Tx, accountId: string): Promise<Lot[]> {
  const rows = await sql<{ lot_id: string; remaining: number; expires_at: Date | null }>(
    tx,
    `SELECT lot_id, remaining, expires_at FROM lots WHERE account_id = $1 AND remaining > 0`,
    [accountId],
  );
  return rows.map((r) => ({ lotId: r.lot_id, remaining: r.remaining, expiresAt: r.expires_at ? new Date(r.expires_at) : null }));
}

async function moveLots(tx: Tx, takes: Take[], direction: -1 | 1): Promise<void> {
  if (takes.length === 0) return;
  await tx.query(
    `UPDATE lots SET remaining = remaining + $3 * t.points FROM unnest($1::uuid[], $2::int[]) AS t(lot_id, points) WHERE lots.lot_id = t.lot_id`,
    [takes.map((t) => t.lotId), takes.map((t) => t.points), direction],
  );
}

export interface Change {
  kind: EntryKind;
  points: number;
  orderId?: string | null;
  reason?: string | null;
}

/**
 * Writes the entries and new balances of locked accounts, and the events saying so, in three
 * statements whatever the number of accounts (a batch of orders earns in one go).
 */
export async function recordAll(tx: Tx, tenantId: string, items: { account: AccountRow; changes: Change[]; heldDelta?: number }[]): Promise<AccountRow[]> {
  const rows: { id: string; accountId: string; contactId: string; kind: EntryKind; points: number; balanceAfter: number; orderId: string | null; reason: string | null }[] = [];
  const after = items.map(({ account, changes, heldDelta = 0 }) => {
    let balance = account.balance;
    for (const c of changes) {
      balance += c.kind === 'capture' ? 0 : c.points;
      rows.push({ id: newId(), accountId: account.account_id, contactId: account.contact_id, kind: c.kind, points: c.points, balanceAfter: balance, orderId: c.orderId ?? null, reason: c.reason ?? null });
    }
    if (balance < 0) throw new Error(`ledger would go negative on ${account.account_id}`);
    return { ...account, balance, held: account.held + heldDelta };
  });
  await tx.query(
    `INSERT INTO entries (entry_id, tenant_id, account_id, kind, points, balance_after, order_id, reason)
     SELECT e.id, $1, e.account_id, e.kind, e.points, e.after, e.order_id, e.reason
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[]) AS e(id, account_id, kind, points, after, order_id, reason)`,
    [tenantId, rows.map((r) => r.id), rows.map((r) => r.accountId), rows.map((r) => r.kind), rows.map((r) => r.points), rows.map((r) => r.balanceAfter), rows.map((r) => r.orderId), rows.map((r) => r.reason)],
  );
  await tx.query(
    `UPDATE accounts SET balance = a.balance, held = a.held FROM unnest($1::uuid[], $2::int[], $3::int[]) AS a(id, balance, held) WHERE accounts.account_id = a.id`,
    [after.map((a) => a.account_id), after.map((a) => a.balance), after.map((a) => a.held)],
  );
  const events: NewEvent[] = rows.map((r) => ({
    contract: LoyaltyPointsChanged,
    tenantId,
    data: { accountId: r.accountId, contactId: r.contactId, kind: r.kind, points: r.points, balance: r.balanceAfter, orderId: r.orderId },
  }));
  await enqueueEvents(tx, events);
  return after;
}

export async function record(tx: Tx, tenantId: string, account: AccountRow, changes: Change[], heldDelta = 0): Promise<AccountRow> {
  const [after] = await recordAll(tx, tenantId, [{ account, changes, heldDelta }]);
  return after!;
}

export function lotExpiry(program: Program, now: Date): Date | null {
  return program.pointsValidityDays ? new Date(now.getTime() + program.pointsValidityDays * 86_400_000) : null;
}

/** Credits points in a new lot. */
export async function credit(tx: Tx, tenantId: string, account: AccountRow, points: number, expiresAt: Date | null, change: Omit<Change, 'points'>): Promise<AccountRow> {
  if (points <= 0) return account;
  await tx.query(`INSERT INTO lots (lot_id, tenant_id, account_id, points, remaining, expires_at, order_id) VALUES ($1, $2, $3, $4, $4, $5, $6)`, [
    newId(),
    tenantId,
    account.account_id,
    points,
    expiresAt,
    change.orderId ?? null,
  ]);
  return record(tx, tenantId, account, [{ ...change, points }]);
}

/**
 * Takes points from the lots that expire first; refuses when the account has too few, saying so
 * in the program's `wording` when the caller has it ("1 point", "2 points" otherwise).
 */
export async function debit(
  tx: Tx,
  tenantId: string,
  account: AccountRow,
  points: number,
  now: Date,
  change: Omit<Change, 'points'>,
  { heldDelta = 0, wording = {} }: { heldDelta?: number; wording?: PointsWording } = {},
): Promise<{ account: AccountRow; takes: Take[] }> {
  const takes = takeFefo(await liveLots(tx, account.account_id), points, now);
  if (!takes || account.balance < points) {
    throw new DomainError('INSUFFICIENT_POINTS', `The account has ${pointsCount(wording, account.balance)}, ${points} asked`, { balance: account.balance, asked: points });
  }
  await moveLots(tx, takes, -1);
  return { account: await record(tx, tenantId, account, [{ ...change, points: -points }], heldDelta), takes };
}

// --- holds -------------------------------------------------------------------------------------------

interface HoldRow {
  order_id: string;
  account_id: string;
  points: number;
  takes: Take[];
  products: PricedProduct[];
  state: 'held' | 'captured' | 'released';
  expires_at: Date;
}

export interface HoldView {
  orderId: string;
  accountId: string;
  points: number;
  value: { amountMinor: number; currency: string };
  products: PricedProduct[];
  state: 'held' | 'captured' | 'released';
  expiresAt: string;
}

export const holdView = (h: HoldRow, program: Program): HoldView => ({
  orderId: h.order_id,
  accountId: h.account_id,
  points: h.points,
  value: { amountMinor: pointsValueMinor(h.points, program.valueNumerator, program.valueDenominator), currency: program.currency },
  products: h.products,
  state: h.state,
  expiresAt: new Date(h.expires_at).toISOString(),
});

const pointsOf = (products: PricedProduct[]) => products.reduce((sum, p) => sum + p.points, 0);

/** A repeat of an order's hold asks for the same: the same points and the same products (their price then is the first hold's). */
const sameAsk = (hold: HoldRow, points: number, products: { productId: string; quantity: number }[]) =>
  hold.points - pointsOf(hold.products) === points &&
  hold.products.length === products.length &&
  hold.products.every((p, n) => p.productId === products[n]!.productId && p.quantity === products[n]!.quantity);

/**
 * Holds points for an order: `points` paying part of it, plus the `products` it buys with their
 * points price in the account's `program` (refused for a product without one). Taken from the
 * lots now, given back on release or expiry. Keyed by order id: a repeat returns the first hold,
 * even if a price changed since; the same order asking for other points or products is refused.
 */
export async function holdPoints(
  tx: Tx,
  tenantId: string,
  account: AccountRow,
  orderId: string,
  points: number,
  ttlSeconds: number,
  now: Date,
  program: Program,
  bought: { productId: string; quantity: number }[] = [],
): Promise<HoldRow> {
  await oneAtATimePerOrder(tx, 'points-hold', tenantId, orderId);
  const locked = await lockAccount(tx, tenantId, account.account_id);
  const [existing] = await sql<HoldRow>(tx, `SELECT * FROM holds WHERE tenant_id = $1 AND order_id = $2`, [tenantId, orderId]);
  if (existing) {
    if (existing.account_id !== locked.account_id || !sameAsk(existing, points, bought)) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', `Order ${orderId} already holds other points`);
    }
    return existing;
  }
  if (await orderClosed(tx, 'points-hold', tenantId, orderId)) throw new DomainError('POINTS_HOLD_CLOSED', `Order ${orderId} was released`, { orderId });
  const products = priceInPoints(program, bought);
  const total = points + pointsOf(products);
  const { takes } = await debit(tx, tenantId, locked, total, now, { kind: 'hold', orderId }, { heldDelta: total, wording: program.wording });
  const [hold] = await sql<HoldRow>(
    tx,
    `INSERT INTO holds (tenant_id, order_id, account_id, points, takes, products, state, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'held', $7) RETURNING *`,
    [tenantId, orderId, locked.account_id, total, JSON.stringify(takes), JSON.stringify(products), new Date(now.getTime() + ttlSeconds * 1000)],
  );
  return hold!;
}

async function lockHold(tx: Tx, tenantId: string, orderId: string): Promise<HoldRow | undefined> {
  const [h] = await sql<HoldRow>(tx, `SELECT * FROM holds WHERE tenant_id = $1 AND order_id = $2 FOR UPDATE`, [tenantId, orderId]);
  return h;
}

async function giveBack(tx: Tx, tenantId: string, hold: HoldRow): Promise<HoldRow> {
  const account = await lockAccount(tx, tenantId, hold.account_id);
  await moveLots(tx, hold.takes, 1);
  await record(tx, tenantId, account, [{ kind: 'release', points: hold.points, orderId: hold.order_id }], -hold.points);
  const [released] = await sql<HoldRow>(tx, `UPDATE holds SET state = 'released' WHERE tenant_id = $1 AND order_id = $2 RETURNING *`, [tenantId, hold.order_id]);
  return released!;
}

/** Captures a hold once; a hold past its expiry is released instead, even if the job has not run yet. */
export async function captureHold(tx: Tx, tenantId: string, orderId: string, now: Date): Promise<HoldRow> {
  const hold = await lockHold(tx, tenantId, orderId);
  if (!hold) throw new DomainError('POINTS_HOLD_NOT_FOUND', `No points hold for order ${orderId}`);
  if (hold.state === 'captured') return hold;
  if (hold.state === 'released') throw new DomainError('POINTS_HOLD_CLOSED', `The points hold of order ${orderId} was released`);
  if (new Date(hold.expires_at) <= now) throw new DomainError('POINTS_HOLD_EXPIRED', `The points hold of order ${orderId} expired`);
  const account = await lockAccount(tx, tenantId, hold.account_id);
  await record(tx, tenantId, account, [{ kind: 'capture', points: 0, orderId }], -hold.points);
  const [captured] = await sql<HoldRow>(tx, `UPDATE holds SET state = 'captured' WHERE tenant_id = $1 AND order_id = $2 RETURNING *`, [tenantId, orderId]);
  return captured!;
}

/**
 * Gives held points back; releasing twice, or an order that never held points, changes nothing
 * but closing the order to a hold that would arrive later.
 */
export async function releaseHold(tx: Tx, tenantId: string, orderId: string): Promise<HoldRow | null> {
  await oneAtATimePerOrder(tx, 'points-hold', tenantId, orderId);
  await closeOrder(tx, 'points-hold', tenantId, orderId);
  const hold = await lockHold(tx, tenantId, orderId);
  if (!hold) return null;
  if (hold.state === 'released') return hold;
  if (hold.state === 'captured') throw new DomainError('POINTS_HOLD_CLOSED', `The points hold of order ${orderId} was captured`);
  return giveBack(tx, tenantId, hold);
}

/** The expiry job: holds nobody captured or released are released. */
export async function releaseExpiredHolds(tx: Tx, now: Date, limit = 500): Promise<number> {
  const due = await sql<HoldRow & { tenant_id: string }>(
    tx,
    `SELECT * FROM holds WHERE state = 'held' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  for (const h of due) await giveBack(tx, h.tenant_id, h);
  return due.length;
}

/** The expiry job: what is left of lots past their date expires, account by account. */
export async function expireLots(tx: Tx, now: Date, limit = 1000): Promise<number> {
  const due = await sql<{ tenant_id: string; account_id: string; lot_ids: string[]; points: number }>(
    tx,
    `SELECT tenant_id, account_id, array_agg(lot_id) AS lot_ids, sum(remaining)::int AS points
     FROM (SELECT * FROM lots WHERE remaining > 0 AND expires_at <= $1 ORDER BY expires_at LIMIT $2) due
     GROUP BY tenant_id, account_id`,
    [now, limit],
  );
  for (const d of due) {
    const account = await lockAccount(tx, d.tenant_id, d.account_id);
    const [{ points }] = (await sql<{ points: number }>(
      tx,
      `WITH expired AS (
         UPDATE lots SET remaining = 0 FROM (SELECT lot_id, remaining AS was FROM lots WHERE lot_id = ANY($1::uuid[]) AND remaining > 0 FOR UPDATE) l
         WHERE lots.lot_id = l.lot_id RETURNING l.was)
       SELECT coalesce(sum(was), 0)::int AS points FROM expired`,
      [d.lot_ids],
    )) as [{ points: number }];
    if (points === 0) continue;
    await record(tx, d.tenant_id, account, [{ kind: 'expire', points: -points }]);
    await enqueueEvents(tx, [{ contract: LoyaltyPointsExpired, tenantId: d.tenant_id, data: { accountId: d.account_id, contactId: account.contact_id, points } }]);
  }
  return due.length;
}

/** Points of an account's lots expiring within 30 days of `now`, and the next expiry (SQL placeholders or expressions). */
export const expiringSoonSql = (accountId: string, now: string) =>
  `SELECT coalesce(sum(remaining) FILTER (WHERE expires_at < ${now}::timestamptz + interval '30 days'), 0)::int AS points, min(expires_at) AS next
   FROM lots WHERE account_id = ${accountId} AND remaining > 0 AND expires_at IS NOT NULL AND expires_at > ${now}`;

export interface ExpiringSoon {
  points: number;
  next: Date | string | null;
}

export async function accountView(tx: Tx, account: AccountRow, program: Program, now: Date): Promise<LoyaltyAccount> {
  const [soon] = await sql<ExpiringSoon>(tx, expiringSoonSql('$1', '$2'), [account.account_id, now]);
  return toAccountView(account, program, soon);
}

export function toAccountView(account: AccountRow, program: Program, soon: ExpiringSoon | undefined): LoyaltyAccount {
  return {
    accountId: account.account_id,
    programId: account.program_id,
    contactId: account.contact_id,
    phone: account.phone,
    balance: account.balance,
    balanceValue: { amountMinor: pointsValueMinor(account.balance, program.valueNumerator, program.valueDenominator), currency: program.currency },
    held: account.held,
    pending: 0,
    expiringSoon: soon?.points ?? 0,
    nextExpiryAt: soon?.next ? new Date(soon.next).toISOString() : null,
    wording: program.wording,
    createdAt: new Date(account.created_at).toISOString(),
  };
}
