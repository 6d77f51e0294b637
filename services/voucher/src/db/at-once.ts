import { BalanceChanged, VoucherRedeemed, type EventContract, type EventData } from '@tlp/contracts';
import { batchesOn, newId, outboxWritten, prepared, sql, type Logger, type Metrics } from '@tlp/platform';
import { DataSource } from 'typeorm';
import type { Account, Hold, Queryable } from './accounts';

/**
 * The checkout's hot path in one statement each: a hold or a capture that goes through writes
 * its rows, its ledger entry and its outbox event atomically without a transaction's extra round
 * trips. Anything else (a repeat, a refusal, an order with several holds) finds nothing to do
 * here and goes the long way, in a transaction, where the decisions are made and explained.
 *
 * On the pool, the holds (and the captures) of concurrent checkouts share one statement: the
 * same writes for every item of the batch. A batch of holds takes its orders' turns, then locks
 * its accounts, each in one order; a batch of captures locks its accounts in that order too; so
 * batches never deadlock with each other. A batch that fails (a repeated hold breaking the
 * unique index, say) undoes itself whole, and its items then go one by one, as alone.
 */

/**
 * The outbox row of one event, for statements that write it themselves (the columns the kit's
 * enqueueEvents writes). The data is checked against the contract with placeholders for the
 * fields the statement fills in from the rows it touched.
 */
function outboxRow<E extends EventContract>(contract: E, tenantId: string, data: EventData<E>): { id: string; type: string; envelope: string } {
  const id = newId();
  const envelope = { id, tenantId, occurredAt: new Date().toISOString(), type: contract.type, data: contract.data.parse(data) };
  return { id, type: contract.type, envelope: JSON.stringify(envelope) };
}

const HOLD_AT_ONCE = prepared(
  'voucher-hold-at-once',
  `WITH t AS (
         INSERT INTO orders (tenant_id, order_id, kind) VALUES ($1, $5, $4)
         ON CONFLICT (tenant_id, order_id, kind) DO UPDATE SET kind = EXCLUDED.kind WHERE orders.released_at IS NULL RETURNING 1
       ), a AS (
         UPDATE accounts SET balance_minor = balance_minor - $6::bigint
         WHERE tenant_id = $1 AND id = $3 AND balance_minor >= $6::bigint AND currency = $7 AND status = 'active'
           AND valid_from <= $9 AND (valid_until IS NULL OR valid_until > $9) AND EXISTS (SELECT 1 FROM t)
         RETURNING balance_minor
       ), h AS (
         INSERT INTO holds (tenant_id, id, account_id, account_kind, order_id, amount_minor, currency, expires_at)
         SELECT $1, $2, $3, $4, $5, $6::bigint, $7, $8 FROM a RETURNING id
       ), l AS (
         INSERT INTO ledger (tenant_id, id, account_id, type, delta_minor, balance_after_minor, order_id)
         SELECT $1, $10, $3, 'hold', -$6::bigint, a.balance_minor, $5 FROM a, h RETURNING balance_after_minor
       ), o AS (
         INSERT INTO outbox (id, type, tenant_id, envelope)
         SELECT $11, $12, $1, jsonb_set($13::jsonb, '{data,balanceMinor}', to_jsonb(l.balance_after_minor)) FROM l
       )
       SELECT balance_after_minor FROM l`,
);

const CAPTURE_AT_ONCE = prepared(
  'voucher-capture-at-once',
  `WITH sel AS (
       SELECT id FROM holds
       WHERE tenant_id = $1 AND order_id = $2 AND account_kind = $3 AND ($4::uuid IS NULL OR account_id = $4::uuid)
     ), h AS (
       UPDATE holds SET status = 'captured', settled_at = now()
       WHERE tenant_id = $1 AND id = ANY (SELECT id FROM sel) AND (SELECT count(*) FROM sel) = 1
         AND status = 'held' AND expires_at > $5
       RETURNING id, account_id, amount_minor, currency, expires_at
     ), a AS (
       SELECT id, balance_minor FROM accounts WHERE tenant_id = $1 AND id = ANY (SELECT account_id FROM h) FOR UPDATE
     ), l AS (
       INSERT INTO ledger (tenant_id, id, account_id, type, delta_minor, balance_after_minor, order_id)
       SELECT $1, $6, h.account_id, 'capture', 0, a.balance_minor, $2 FROM h JOIN a ON a.id = h.account_id
     ), o AS (
       INSERT INTO outbox (id, type, tenant_id, envelope)
       SELECT $7, $8, $1, jsonb_set(jsonb_set(jsonb_set($9::jsonb,
                '{data,voucherId}', to_jsonb(h.account_id::text)),
                '{data,amountMinor}', to_jsonb(h.amount_minor)),
                '{data,currency}', to_jsonb(h.currency::text))
       FROM h WHERE $3 = 'voucher'
     )
     SELECT h.id, h.account_id, h.amount_minor, h.currency, h.expires_at, a.balance_minor FROM h JOIN a ON a.id = h.account_id`,
);

interface CaptureSelection {
  tenantId: string;
  orderId: string;
  kind: Account['kind'];
  accountId?: string | undefined;
}

interface Captured {
  hold: Hold;
  balanceMinor: number;
}

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === '23505';

/** The same columns for one item or many: `$n` of the single statement is the batch's `$n[]`. */
const HOLD_COLUMNS = `tenant_id, hold_id, account_id, account_kind, order_id, amount_minor, currency, expires_at, at, entry_id, event_id, event_type, envelope`;
const HOLD_TYPES = ['text', 'uuid', 'uuid', 'text', 'text', 'bigint', 'text', 'timestamptz', 'timestamptz', 'uuid', 'uuid', 'text', 'jsonb'];

const HOLDS_AT_ONCE = prepared(
  'voucher-holds-at-once',
  `WITH i AS (
         SELECT * FROM unnest(${HOLD_TYPES.map((t, n) => `$${n + 1}::${t}[]`).join(', ')}) WITH ORDINALITY AS i(${HOLD_COLUMNS}, n)
       ), t AS (
         INSERT INTO orders (tenant_id, order_id, kind)
         SELECT tenant_id, order_id, account_kind FROM i GROUP BY tenant_id, order_id, account_kind
         ORDER BY tenant_id COLLATE "C", order_id COLLATE "C", account_kind
         ON CONFLICT (tenant_id, order_id, kind) DO UPDATE SET kind = EXCLUDED.kind WHERE orders.released_at IS NULL
         RETURNING tenant_id, order_id, kind
       ), locked AS MATERIALIZED (
         SELECT ac.tenant_id, ac.id FROM accounts ac JOIN i ON ac.tenant_id = i.tenant_id AND ac.id = i.account_id
         WHERE (SELECT count(*) FROM t) > 0
           AND EXISTS (SELECT 1 FROM t WHERE t.tenant_id = i.tenant_id AND t.order_id = i.order_id AND t.kind = i.account_kind)
         ORDER BY ac.tenant_id COLLATE "C", ac.id FOR UPDATE OF ac
       ), a AS (
         UPDATE accounts ac SET balance_minor = ac.balance_minor - i.amount_minor
         FROM i JOIN locked k ON k.tenant_id = i.tenant_id AND k.id = i.account_id
         WHERE ac.tenant_id = k.tenant_id AND ac.id = k.id AND ac.balance_minor >= i.amount_minor AND ac.currency = i.currency
           AND ac.status = 'active' AND ac.valid_from <= i.at AND (ac.valid_until IS NULL OR ac.valid_until > i.at)
         RETURNING i.n, ac.balance_minor
       ), h AS (
         INSERT INTO holds (tenant_id, id, account_id, account_kind, order_id, amount_minor, currency, expires_at)
         SELECT i.tenant_id, i.hold_id, i.account_id, i.account_kind, i.order_id, i.amount_minor, i.currency, i.expires_at FROM i JOIN a ON a.n = i.n
       ), l AS (
         INSERT INTO ledger (tenant_id, id, account_id, type, delta_minor, balance_after_minor, order_id)
         SELECT i.tenant_id, i.entry_id, i.account_id, 'hold', -i.amount_minor, a.balance_minor, i.order_id FROM i JOIN a ON a.n = i.n
       ), o AS (
         INSERT INTO outbox (id, type, tenant_id, envelope)
         SELECT i.event_id, i.event_type, i.tenant_id, jsonb_set(i.envelope, '{data,balanceMinor}', to_jsonb(a.balance_minor)) FROM i JOIN a ON a.n = i.n
       )
       SELECT a.n, a.balance_minor AS balance_after_minor FROM a`,
);

const CAPTURE_COLUMNS = `tenant_id, order_id, kind, account_id, at, entry_id, event_id, event_type, envelope`;
const CAPTURE_TYPES = ['text', 'text', 'text', 'uuid', 'timestamptz', 'uuid', 'uuid', 'text', 'jsonb'];

const CAPTURES_AT_ONCE = prepared(
  'voucher-captures-at-once',
  `WITH i AS (
       SELECT * FROM unnest(${CAPTURE_TYPES.map((t, n) => `$${n + 1}::${t}[]`).join(', ')}) WITH ORDINALITY AS i(${CAPTURE_COLUMNS}, n)
     ), sel AS (
       SELECT i.n, (array_agg(h.id))[1] AS id FROM i
       JOIN holds h ON h.tenant_id = i.tenant_id AND h.order_id = i.order_id AND h.account_kind = i.kind AND (i.account_id IS NULL OR h.account_id = i.account_id)
       GROUP BY i.n HAVING count(*) = 1
     ), h AS (
       UPDATE holds SET status = 'captured', settled_at = now()
       FROM i JOIN sel ON sel.n = i.n
       WHERE holds.tenant_id = i.tenant_id AND holds.id = sel.id AND holds.status = 'held' AND holds.expires_at > i.at
       RETURNING i.n, holds.tenant_id, holds.id, holds.account_id, holds.amount_minor, holds.currency, holds.expires_at
     ), a AS MATERIALIZED (
       SELECT ac.tenant_id, ac.id, ac.balance_minor FROM accounts ac
       WHERE (ac.tenant_id, ac.id) IN (SELECT tenant_id, account_id FROM h)
       ORDER BY ac.tenant_id COLLATE "C", ac.id FOR UPDATE
     ), l AS (
       INSERT INTO ledger (tenant_id, id, account_id, type, delta_minor, balance_after_minor, order_id)
       SELECT i.tenant_id, i.entry_id, h.account_id, 'capture', 0, a.balance_minor, i.order_id
       FROM i JOIN h ON h.n = i.n JOIN a ON a.tenant_id = h.tenant_id AND a.id = h.account_id
     ), o AS (
       INSERT INTO outbox (id, type, tenant_id, envelope)
       SELECT i.event_id, i.event_type, i.tenant_id, jsonb_set(jsonb_set(jsonb_set(i.envelope,
                '{data,voucherId}', to_jsonb(h.account_id::text)),
                '{data,amountMinor}', to_jsonb(h.amount_minor)),
                '{data,currency}', to_jsonb(h.currency::text))
       FROM i JOIN h ON h.n = i.n WHERE i.kind = 'voucher'
     )
     SELECT h.n, h.id, h.account_id, h.amount_minor, h.currency, h.expires_at, a.balance_minor
     FROM h JOIN a ON a.tenant_id = h.tenant_id AND a.id = h.account_id`,
);

/** One array per column, as `unnest` takes them. */
const columnsOf = (rows: unknown[][]): unknown[][] => (rows[0] ?? []).map((_, c) => rows.map((r) => r[c]));

/**
 * Runs the items of a batch together when there are several, one per key (an account, an
 * order): a key repeated in the batch, or a batch that fails, goes one by one as alone.
 */
/** Where a batch that failed whole is reported. */
export interface BatchReports {
  logger: Logger;
  metrics: Metrics;
}

async function together<I, O>(
  batch: string,
  reports: BatchReports,
  items: I[],
  keyOf: (item: I) => string,
  many: (items: I[]) => Promise<(O | undefined)[]>,
  one: (item: I) => Promise<O | undefined>,
): Promise<(O | undefined)[]> {
  if (items.length === 1) return [await one(items[0]!)];
  const seen = new Set<string>();
  const first: number[] = [];
  items.forEach((item, n) => {
    const key = keyOf(item);
    if (seen.has(key)) return;
    seen.add(key);
    first.push(n);
  });
  const outcomes: (O | undefined)[] = items.map(() => undefined);
  let batchWent = false;
  try {
    const done = await many(first.map((n) => items[n]!));
    first.forEach((n, k) => (outcomes[n] = done[k]));
    batchWent = true;
  } catch (e) {
    // Undone whole: each goes alone below. A repeated hold is expected; anything else (a
    // deadlock, a broken statement) slows checkouts down to one statement each, which an
    // operator should see.
    const reason = (e as { code?: string }).code ?? 'unknown';
    reports.metrics.batchesFailed.inc({ batch, reason });
    if (isUniqueViolation(e)) reports.logger.debug({ batch, items: first.length }, 'a batch met a repeated hold; its items go one by one');
    else reports.logger.warn({ err: e, batch, items: first.length }, 'a batch failed whole; its items go one by one');
  }
  for (let n = 0; n < items.length; n++) {
    if (batchWent && first.includes(n)) continue;
    outcomes[n] = await one(items[n]!);
  }
  return outcomes;
}

interface HoldItem {
  account: Pick<Account, 'tenantId' | 'id' | 'kind' | 'contactId' | 'currency'>;
  hold: Omit<Hold, 'status'>;
  now: Date;
}

/** The statement's parameters for one hold, with its balance-changed event. */
function holdParameters({ account, hold, now }: HoldItem): unknown[] {
  const entryId = newId();
  const event = outboxRow(BalanceChanged, account.tenantId, {
    accountId: account.id,
    accountKind: account.kind,
    ...(account.contactId ? { contactId: account.contactId } : {}),
    entryId,
    entryType: 'hold',
    deltaMinor: -hold.amountMinor,
    balanceMinor: 0,
    currency: account.currency,
    orderId: hold.orderId,
  });
  return [hold.tenantId, hold.id, hold.accountId, hold.accountKind, hold.orderId, hold.amountMinor, hold.currency, hold.expiresAt, now, entryId, event.id, event.type, event.envelope];
}

/**
 * Takes the order's turn, debits, records the hold, its ledger entry and
 * evt.voucher.balance-changed in one statement. The turn comes first (an uncorrelated subquery:
 * it runs once, before any account is locked) and holds nothing for an order a release closed;
 * the debit guards everything after it; a second hold for the same order and account breaks the
 * unique index and undoes the whole statement.
 */
async function holdOne(q: Queryable, item: HoldItem): Promise<number | undefined> {
  try {
    const [row] = await sql<{ balance_after_minor: string }>(q, HOLD_AT_ONCE, holdParameters(item));
    if (!row) return undefined;
    outboxWritten();
    return Number(row.balance_after_minor);
  } catch (e) {
    if (isUniqueViolation(e)) return undefined;
    throw e;
  }
}

async function holdMany(q: Queryable, items: HoldItem[]): Promise<(number | undefined)[]> {
  const rows = await sql<{ n: string; balance_after_minor: string }>(q, HOLDS_AT_ONCE, columnsOf(items.map(holdParameters)));
  if (rows.length > 0) outboxWritten();
  const balances: (number | undefined)[] = items.map(() => undefined);
  for (const r of rows) balances[Number(r.n) - 1] = Number(r.balance_after_minor);
  return balances;
}

/**
 * Holds on the account when it can pay, in one statement. Returns the balance after the hold,
 * or undefined when it did not go through (refused, or already held: the caller decides). A hold
 * whose caller stops waiting (`deadline`) before its batch starts is refused with TIMEOUT.
 */
export function holdAtOnce(
  q: Queryable,
  account: HoldItem['account'],
  hold: HoldItem['hold'],
  now: Date,
  reports: BatchReports,
  deadline?: number,
): Promise<number | undefined> {
  const item = { account, hold, now };
  if (!(q instanceof DataSource)) return holdOne(q, item);
  const holds = batchesOn(q, 'voucher-holds', {
    run: (items: HoldItem[]) => together('voucher-holds', reports, items, (i) => `${i.hold.tenantId} ${i.hold.accountId}`, (many) => holdMany(q, many), (one) => holdOne(q, one)),
  });
  return holds.call(item, deadline);
}

interface CaptureItem {
  sel: CaptureSelection;
  now: Date;
}

function captureParameters({ sel, now }: CaptureItem): unknown[] {
  const event = outboxRow(VoucherRedeemed, sel.tenantId, {
    voucherId: '(filled in)',
    kind: 'financial',
    orderId: sel.orderId,
    amountMinor: 0,
    currency: 'XXX',
  });
  return [sel.tenantId, sel.orderId, sel.kind, sel.accountId ?? null, now, newId(), event.id, event.type, event.envelope];
}

interface CapturedRow {
  id: string;
  account_id: string;
  amount_minor: string;
  currency: string;
  expires_at: Date;
  balance_minor: string;
}

const captured = (sel: CaptureSelection, row: CapturedRow): Captured => ({
  hold: {
    tenantId: sel.tenantId,
    id: row.id,
    accountId: row.account_id,
    accountKind: sel.kind,
    orderId: sel.orderId,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    status: 'captured',
    expiresAt: new Date(row.expires_at),
  },
  balanceMinor: Number(row.balance_minor),
});

async function captureOne(q: Queryable, item: CaptureItem): Promise<Captured | undefined> {
  const [row] = await sql<CapturedRow>(q, CAPTURE_AT_ONCE, captureParameters(item));
  if (!row) return undefined;
  outboxWritten();
  return captured(item.sel, row);
}

async function captureMany(q: Queryable, items: CaptureItem[]): Promise<(Captured | undefined)[]> {
  const rows = await sql<CapturedRow & { n: string }>(q, CAPTURES_AT_ONCE, columnsOf(items.map(captureParameters)));
  if (rows.length > 0) outboxWritten();
  const done: (Captured | undefined)[] = items.map(() => undefined);
  for (const r of rows) done[Number(r.n) - 1] = captured(items[Number(r.n) - 1]!.sel, r);
  return done;
}

/**
 * Captures the order's only hold of this kind (optionally on one account) when it is held and
 * not expired, with its zero ledger entry and, for a voucher, evt.voucher.redeemed. Returns the
 * captured hold and the account's balance, or undefined when there was nothing so simple to do.
 */
export function captureAtOnce(q: Queryable, sel: CaptureSelection, now: Date, reports: BatchReports): Promise<Captured | undefined> {
  const item = { sel, now };
  if (!(q instanceof DataSource)) return captureOne(q, item);
  const captures = batchesOn(q, 'voucher-captures', {
    run: (items: CaptureItem[]) => together('voucher-captures', reports, items, (i) => `${i.sel.tenantId} ${i.sel.orderId} ${i.sel.kind}`, (many) => captureMany(q, many), (one) => captureOne(q, one)),
  });
  return captures.call(item);
}
