import { BalanceChanged, VoucherRedeemed, type EventContract, type EventData } from '@tlp/contracts';
import { newId, outboxWritten, prepared, sql } from '@tlp/platform';
import type { Account, Hold, Queryable } from './accounts';

/**
 * The checkout's hot path in one statement each: a hold or a capture that goes through writes
 * its rows, its ledger entry and its outbox event atomically without a transaction's extra round
 * trips. Anything else (a repeat, a refusal, an order with several holds) finds nothing to do
 * here and goes the long way, in a transaction, where the decisions are made and explained.
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
  `WITH a AS (
         UPDATE accounts SET balance_minor = balance_minor - $6::bigint
         WHERE tenant_id = $1 AND id = $3 AND balance_minor >= $6::bigint AND currency = $7 AND status = 'active'
           AND valid_from <= $9 AND (valid_until IS NULL OR valid_until > $9)
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

const isUniqueViolation = (e: unknown): boolean => (e as { code?: string }).code === '23505';

/**
 * Debits, records the hold, its ledger entry and evt.voucher.balance-changed in one statement.
 * The debit comes first and guards everything after it; a second hold for the same order and
 * account breaks the unique index and undoes the whole statement. Returns the balance after the
 * hold, or undefined when it did not go through (refused, or already held: the caller decides).
 */
export async function holdAtOnce(
  q: Queryable,
  account: Pick<Account, 'tenantId' | 'id' | 'kind' | 'contactId' | 'currency'>,
  hold: Omit<Hold, 'status'>,
  now: Date,
): Promise<number | undefined> {
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
  try {
    const [row] = await sql<{ balance_after_minor: string }>(
      q,
      HOLD_AT_ONCE,
      [
        hold.tenantId,
        hold.id,
        hold.accountId,
        hold.accountKind,
        hold.orderId,
        hold.amountMinor,
        hold.currency,
        hold.expiresAt,
        now,
        entryId,
        event.id,
        event.type,
        event.envelope,
      ],
    );
    if (!row) return undefined;
    outboxWritten();
    return Number(row.balance_after_minor);
  } catch (e) {
    if (isUniqueViolation(e)) return undefined;
    throw e;
  }
}

/**
 * Captures the order's only hold of this kind (optionally on one account) when it is held and
 * not expired, with its zero ledger entry and, for a voucher, evt.voucher.redeemed. Returns the
 * captured hold and the account's balance, or undefined when there was nothing so simple to do.
 */
export async function captureAtOnce(
  q: Queryable,
  sel: { tenantId: string; orderId: string; kind: Account['kind']; accountId?: string | undefined },
  now: Date,
): Promise<{ hold: Hold; balanceMinor: number } | undefined> {
  const entryId = newId();
  const event = outboxRow(VoucherRedeemed, sel.tenantId, {
    voucherId: '(filled in)',
    kind: 'financial',
    orderId: sel.orderId,
    amountMinor: 0,
    currency: 'XXX',
  });
  const [row] = await sql<{ id: string; account_id: string; amount_minor: string; currency: string; expires_at: Date; balance_minor: string }>(
    q,
    CAPTURE_AT_ONCE,
    [sel.tenantId, sel.orderId, sel.kind, sel.accountId ?? null, now, entryId, event.id, event.type, event.envelope],
  );
  if (!row) return undefined;
  outboxWritten();
  return {
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
  };
}
