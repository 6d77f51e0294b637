import { BalanceChanged } from '@tlp/contracts';
import { enqueueEvent, newId, prepared, sql, togetherOnPool, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { AccountStatus, EntryType, HoldStatus, Terms } from '../domain/ledger';

export type Queryable = DataSource | Tx;
export type AccountKind = 'voucher' | 'credit-note';

export interface Account extends Terms {
  tenantId: string;
  id: string;
  kind: AccountKind;
  contactId: string | null;
  balanceMinor: number;
}

interface AccountRow {
  tenant_id: string;
  id: string;
  kind: AccountKind;
  contact_id: string | null;
  currency: string;
  balance_minor: string;
  status: AccountStatus;
  valid_from: Date | string;
  valid_until: Date | null;
}

export const ACCOUNT_COLUMNS = `a.tenant_id, a.id, a.kind, a.contact_id, a.currency, a.balance_minor, a.status, a.valid_from, a.valid_until`;

/** PostgreSQL's '-infinity' (a credit note's start) arrives as text: the earliest Date stands for it. */
const EARLIEST = new Date(-8.64e15);
const instant = (v: Date | string): Date => (v === '-infinity' ? EARLIEST : new Date(v));

export const toAccount = (r: AccountRow): Account => ({
  tenantId: r.tenant_id,
  id: r.id,
  kind: r.kind,
  contactId: r.contact_id,
  currency: r.currency,
  balanceMinor: Number(r.balance_minor),
  status: r.status,
  validFrom: instant(r.valid_from),
  validUntil: r.valid_until ? new Date(r.valid_until) : null,
});

export async function insertAccount(
  tx: Tx,
  a: Pick<Account, 'tenantId' | 'id' | 'kind' | 'contactId' | 'currency' | 'validFrom' | 'validUntil'>,
): Promise<void> {
  await tx.query(
    `INSERT INTO accounts (tenant_id, id, kind, contact_id, currency, valid_from, valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [a.tenantId, a.id, a.kind, a.contactId, a.currency, a.validFrom, a.validUntil],
  );
}

export async function loadAccount(q: Queryable, tenantId: string, id: string, lock = false): Promise<Account | undefined> {
  const [row] = await sql<AccountRow>(q, `SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.tenant_id = $1 AND a.id = $2${lock ? ' FOR UPDATE' : ''}`, [
    tenantId,
    id,
  ]);
  return row && toAccount(row);
}

/**
 * The order in which anything that locks several accounts locks them, so that none deadlock: by
 * tenant then id, bytewise, as the batched statements' `ORDER BY tenant_id COLLATE "C", id`.
 */
export const inLockOrder = (a: { tenantId: string; accountId: string }, b: { tenantId: string; accountId: string }): number =>
  a.tenantId !== b.tenantId ? (a.tenantId < b.tenantId ? -1 : 1) : a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;

/** A contact's credit notes, one per currency, locked (when asked) in the id order batched holds lock accounts in. */
export async function creditNotesOf(q: Queryable, tenantId: string, contactId: string, lock = false): Promise<Account[]> {
  const rows = await sql<AccountRow>(
    q,
    `SELECT ${ACCOUNT_COLUMNS} FROM accounts a WHERE a.tenant_id = $1 AND a.kind = 'credit-note' AND a.contact_id = $2 ORDER BY a.id${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, contactId],
  );
  return rows.map(toAccount);
}

const CREDIT_NOTE_BALANCES = prepared(
  'voucher-credit-note-balances',
  `SELECT coalesce(a.balance_minor, 0) AS balance_minor
   FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q (tenant_id, contact_id, currency, n)
   LEFT JOIN accounts a ON a.tenant_id = q.tenant_id AND a.kind = 'credit-note' AND a.contact_id = q.contact_id AND a.currency = q.currency
   ORDER BY q.n`,
);

interface CreditNoteKey {
  tenantId: string;
  contactId: string;
  currency: string;
}

async function creditNoteBalances(q: Queryable, keys: CreditNoteKey[]): Promise<number[]> {
  const rows = await sql<{ balance_minor: string }>(q, CREDIT_NOTE_BALANCES, [keys.map((k) => k.tenantId), keys.map((k) => k.contactId), keys.map((k) => k.currency)]);
  return rows.map((r) => Number(r.balance_minor));
}

/** A contact's credit note balance in a currency, 0 when there is none; concurrent quotes on the pool share one statement. */
export async function creditNoteBalanceOf(q: Queryable, tenantId: string, contactId: string, currency: string): Promise<number> {
  return togetherOnPool(q, 'voucher-credit-note-balances', (keys: CreditNoteKey[]) => creditNoteBalances(q, keys), { tenantId, contactId, currency });
}

/**
 * Takes `amount` off the balance only while the account can pay it: the guard in the WHERE
 * clause, evaluated under the row lock, is what keeps concurrent holds from overdrawing.
 * Undefined when refused; the caller reads the account to say why.
 */
export async function debit(tx: Tx, tenantId: string, id: string, amountMinor: number, currency: string, now: Date): Promise<number | undefined> {
  const [row] = await sql<{ balance_minor: string }>(
    tx,
    `UPDATE accounts SET balance_minor = balance_minor - $3
     WHERE tenant_id = $1 AND id = $2 AND balance_minor >= $3 AND currency = $5 AND status = 'active'
       AND valid_from <= $4 AND (valid_until IS NULL OR valid_until > $4)
     RETURNING balance_minor`,
    [tenantId, id, amountMinor, now, currency],
  );
  return row ? Number(row.balance_minor) : undefined;
}

export async function credit(tx: Tx, tenantId: string, id: string, amountMinor: number): Promise<number> {
  const [row] = await sql<{ balance_minor: string }>(
    tx,
    `UPDATE accounts SET balance_minor = balance_minor + $3 WHERE tenant_id = $1 AND id = $2 RETURNING balance_minor`,
    [tenantId, id, amountMinor],
  );
  if (!row) throw new Error(`account ${id} vanished`);
  return Number(row.balance_minor);
}

export async function setStatus(tx: Tx, tenantId: string, id: string, status: AccountStatus): Promise<void> {
  await tx.query(`UPDATE accounts SET status = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, status]);
}

export interface NewEntry {
  type: EntryType;
  deltaMinor: number;
  balanceAfterMinor: number;
  orderId?: string | undefined;
  ref?: string | undefined;
}

/**
 * Appends one ledger entry and, when the balance moved, its evt.voucher.balance-changed in the
 * same transaction.
 */
export async function appendEntry(tx: Tx, account: Pick<Account, 'tenantId' | 'id' | 'kind' | 'contactId' | 'currency'>, e: NewEntry): Promise<string> {
  const id = newId();
  await tx.query(
    `INSERT INTO ledger (tenant_id, id, account_id, type, delta_minor, balance_after_minor, order_id, ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [account.tenantId, id, account.id, e.type, e.deltaMinor, e.balanceAfterMinor, e.orderId ?? null, e.ref ?? null],
  );
  if (e.deltaMinor !== 0) {
    await enqueueEvent(tx, {
      contract: BalanceChanged,
      tenantId: account.tenantId,
      data: {
        accountId: account.id,
        accountKind: account.kind,
        ...(account.contactId ? { contactId: account.contactId } : {}),
        entryId: id,
        entryType: e.type,
        deltaMinor: e.deltaMinor,
        balanceMinor: e.balanceAfterMinor,
        currency: account.currency,
        ...(e.orderId ? { orderId: e.orderId } : {}),
      },
    });
  }
  return id;
}

export interface LedgerEntryRow {
  id: string;
  type: EntryType;
  deltaMinor: number;
  balanceAfterMinor: number;
  orderId: string | null;
  ref: string | null;
  at: string;
}

export async function entriesOf(q: Queryable, tenantId: string, accountId: string): Promise<LedgerEntryRow[]> {
  const rows = await sql<{ id: string; type: EntryType; delta_minor: string; balance_after_minor: string; order_id: string | null; ref: string | null; at: Date }>(
    q,
    `SELECT id, type, delta_minor, balance_after_minor, order_id, ref, at FROM ledger WHERE tenant_id = $1 AND account_id = $2 ORDER BY id`,
    [tenantId, accountId],
  );
  return rows.map((r) => ({
    id: r.id,
    type: r.type,
    deltaMinor: Number(r.delta_minor),
    balanceAfterMinor: Number(r.balance_after_minor),
    orderId: r.order_id,
    ref: r.ref,
    at: new Date(r.at).toISOString(),
  }));
}

export interface Hold {
  tenantId: string;
  id: string;
  accountId: string;
  accountKind: AccountKind;
  orderId: string;
  amountMinor: number;
  currency: string;
  status: HoldStatus;
  expiresAt: Date;
}

interface HoldRow {
  tenant_id: string;
  id: string;
  account_id: string;
  account_kind: AccountKind;
  order_id: string;
  amount_minor: string;
  currency: string;
  status: HoldStatus;
  expires_at: Date;
}

const HOLD_COLUMNS = `h.tenant_id, h.id, h.account_id, h.account_kind, h.order_id, h.amount_minor, h.currency, h.status, h.expires_at`;

const toHold = (r: HoldRow): Hold => ({
  tenantId: r.tenant_id,
  id: r.id,
  accountId: r.account_id,
  accountKind: r.account_kind,
  orderId: r.order_id,
  amountMinor: Number(r.amount_minor),
  currency: r.currency,
  status: r.status,
  expiresAt: new Date(r.expires_at),
});

/** The hold row decides who runs: a second hold for the same order and account inserts nothing. */
export async function insertHold(tx: Tx, h: Omit<Hold, 'status'>): Promise<boolean> {
  const rows = await sql(
    tx,
    `INSERT INTO holds (tenant_id, id, account_id, account_kind, order_id, amount_minor, currency, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, order_id, account_id) DO NOTHING RETURNING id`,
    [h.tenantId, h.id, h.accountId, h.accountKind, h.orderId, h.amountMinor, h.currency, h.expiresAt],
  );
  return rows.length > 0;
}

export async function holdOf(q: Queryable, tenantId: string, orderId: string, accountId: string): Promise<Hold | undefined> {
  const [row] = await sql<HoldRow>(q, `SELECT ${HOLD_COLUMNS} FROM holds h WHERE h.tenant_id = $1 AND h.order_id = $2 AND h.account_id = $3`, [
    tenantId,
    orderId,
    accountId,
  ]);
  return row && toHold(row);
}

/**
 * The order's turn for this kind of account: its `orders` row, locked to the end of the
 * transaction, taken by every hold and release before anything else. Says whether holds may
 * still be placed (not once a release by order closed it).
 */
export async function takeHoldTurn(tx: Tx, tenantId: string, orderId: string, kind: AccountKind): Promise<boolean> {
  const open = await sql(
    tx,
    `INSERT INTO orders (tenant_id, order_id, kind) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, order_id, kind) DO UPDATE SET kind = EXCLUDED.kind WHERE orders.released_at IS NULL RETURNING 1`,
    [tenantId, orderId, kind],
  );
  return open.length > 0;
}

/** A release's turn; a release of the whole order (not of one account) also closes it to new holds. */
export async function takeReleaseTurn(tx: Tx, tenantId: string, orderId: string, kind: AccountKind, closes: boolean): Promise<void> {
  await sql(
    tx,
    `INSERT INTO orders (tenant_id, order_id, kind, released_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
     ON CONFLICT (tenant_id, order_id, kind) DO UPDATE SET released_at = COALESCE(orders.released_at, EXCLUDED.released_at)`,
    [tenantId, orderId, kind, closes],
  );
}

/** Orders are only needed while a late hold could still arrive: hours at most. */
export async function forgetOldOrders(q: Queryable, olderThanMs: number): Promise<void> {
  await sql(q, `DELETE FROM orders WHERE created_at < now() - $1::interval`, [`${olderThanMs} milliseconds`]);
}

export async function lockOrderHolds(tx: Tx, tenantId: string, orderId: string, kind: AccountKind, accountId?: string): Promise<Hold[]> {
  const rows = await sql<HoldRow>(
    tx,
    `SELECT ${HOLD_COLUMNS} FROM holds h WHERE h.tenant_id = $1 AND h.order_id = $2 AND h.account_kind = $3 AND ($4::uuid IS NULL OR h.account_id = $4::uuid)
     ORDER BY h.account_id FOR UPDATE`,
    [tenantId, orderId, kind, accountId ?? null],
  );
  return rows.map(toHold);
}

export async function lockHeldOfAccount(tx: Tx, tenantId: string, accountId: string): Promise<Hold[]> {
  const rows = await sql<HoldRow>(
    tx,
    `SELECT ${HOLD_COLUMNS} FROM holds h WHERE h.tenant_id = $1 AND h.account_id = $2 AND h.status = 'held' ORDER BY h.id FOR UPDATE`,
    [tenantId, accountId],
  );
  return rows.map(toHold);
}

/** Holds past their expiry, oldest first, skipping those another replica is settling. */
export async function lockExpiredHolds(tx: Tx, now: Date, limit: number): Promise<Hold[]> {
  const rows = await sql<HoldRow>(
    tx,
    `SELECT ${HOLD_COLUMNS} FROM holds h WHERE h.status = 'held' AND h.expires_at <= $1 ORDER BY h.expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(toHold);
}

export async function holdsOfAccount(q: Queryable, tenantId: string, accountId: string): Promise<Hold[]> {
  const rows = await sql<HoldRow>(q, `SELECT ${HOLD_COLUMNS} FROM holds h WHERE h.tenant_id = $1 AND h.account_id = $2 ORDER BY h.id`, [tenantId, accountId]);
  return rows.map(toHold);
}

export async function heldSum(q: Queryable, tenantId: string, accountId: string): Promise<number> {
  const [row] = await sql<{ sum: string }>(
    q,
    `SELECT coalesce(sum(amount_minor), 0) AS sum FROM holds WHERE tenant_id = $1 AND account_id = $2 AND status = 'held'`,
    [tenantId, accountId],
  );
  return Number(row?.sum ?? 0);
}

export async function setHoldStatus(tx: Tx, hold: Hold, status: HoldStatus): Promise<void> {
  await tx.query(`UPDATE holds SET status = $3, settled_at = now() WHERE tenant_id = $1 AND id = $2`, [hold.tenantId, hold.id, status]);
}

/** Expiry and cancellation: the account stops and whatever it held is forfeited. */
export async function closeAccount(tx: Tx, tenantId: string, id: string, status: 'expired' | 'cancelled'): Promise<void> {
  await tx.query(`UPDATE accounts SET balance_minor = 0, status = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, status]);
}

export async function hasHeld(q: Queryable, tenantId: string, accountId: string): Promise<boolean> {
  const rows = await sql(q, `SELECT 1 FROM holds WHERE tenant_id = $1 AND account_id = $2 AND status = 'held' LIMIT 1`, [tenantId, accountId]);
  return rows.length > 0;
}
