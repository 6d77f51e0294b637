import type { AccountingLine, ExperienceGrant, VatTiming } from '@tlp/contracts';
import { prepared, sql, togetherOnPool, type Tx } from '@tlp/platform';
import { ACCOUNT_COLUMNS, toAccount, type Account, type Queryable } from './accounts';

export interface Voucher extends Account {
  voucherKind: 'financial' | 'experience';
  codeHint: string;
  pinHash: string | null;
  faceValueMinor: number;
  grant: ExperienceGrant | null;
  season: string | null;
  vatCode: string | null;
  vatRateBp: number | null;
  vatTiming: VatTiming | null;
  redemptionId: string | null;
}

const VOUCHER_SELECT = `SELECT ${ACCOUNT_COLUMNS}, v.kind AS voucher_kind, v.code_hint, v.pin_hash, v.face_value_minor, v.grant_spec,
  v.season, v.vat_code, v.vat_rate_bp, v.vat_timing, v.redemption_id
  FROM vouchers v JOIN accounts a ON a.tenant_id = v.tenant_id AND a.id = v.id`;

type VoucherRow = Parameters<typeof toAccount>[0] & {
  voucher_kind: 'financial' | 'experience';
  code_hint: string;
  pin_hash: string | null;
  face_value_minor: string;
  grant_spec: ExperienceGrant | null;
  season: string | null;
  vat_code: string | null;
  vat_rate_bp: number | null;
  vat_timing: VatTiming | null;
  redemption_id: string | null;
};

const toVoucher = (r: VoucherRow): Voucher => ({
  ...toAccount(r),
  voucherKind: r.voucher_kind,
  codeHint: r.code_hint,
  pinHash: r.pin_hash,
  faceValueMinor: Number(r.face_value_minor),
  grant: r.grant_spec,
  season: r.season,
  vatCode: r.vat_code,
  vatRateBp: r.vat_rate_bp,
  vatTiming: r.vat_timing,
  redemptionId: r.redemption_id,
});

const VOUCHER_BY_CODE = prepared('voucher-by-code', `${VOUCHER_SELECT} WHERE v.tenant_id = $1 AND v.code_hash = $2`);

const VOUCHERS_BY_CODES = prepared(
  'vouchers-by-codes',
  `${VOUCHER_SELECT.replace('FROM vouchers v', 'FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k(tenant_id, code_hash, i) JOIN vouchers v ON v.tenant_id = k.tenant_id AND v.code_hash = k.code_hash').replace('SELECT ', 'SELECT k.i, ')}`,
);

interface CodeKey {
  tenantId: string;
  codeHash: string;
}

async function vouchersByCodes(db: Queryable, keys: CodeKey[]): Promise<(Voucher | undefined)[]> {
  if (keys.length === 1) return [await oneVoucherByCode(db, keys[0]!.tenantId, keys[0]!.codeHash)];
  const rows = await sql<VoucherRow & { i: string }>(db, VOUCHERS_BY_CODES, [keys.map((k) => k.tenantId), keys.map((k) => k.codeHash)]);
  const found: (Voucher | undefined)[] = keys.map(() => undefined);
  for (const r of rows) found[Number(r.i) - 1] = toVoucher(r);
  return found;
}

async function oneVoucherByCode(q: Queryable, tenantId: string, codeHash: string): Promise<Voucher | undefined> {
  const [row] = await sql<VoucherRow>(q, VOUCHER_BY_CODE, [tenantId, codeHash]);
  return row && toVoucher(row);
}

/** Looks a code up; lookups from concurrent checkouts on the pool share one statement. */
export function voucherByCode(q: Queryable, tenantId: string, codeHash: string): Promise<Voucher | undefined> {
  return togetherOnPool(q, 'voucher-by-code', (keys: CodeKey[]) => vouchersByCodes(q, keys), { tenantId, codeHash });
}

export async function vouchersOfContact(q: Queryable, tenantId: string, contactId: string, status: string | undefined): Promise<Voucher[]> {
  const rows = await sql<VoucherRow>(
    q,
    `${VOUCHER_SELECT} WHERE a.tenant_id = $1 AND a.kind = 'voucher' AND a.contact_id = $2 AND ($3::text IS NULL OR a.status = $3) ORDER BY a.valid_until, a.id LIMIT 500`,
    [tenantId, contactId, status ?? null],
  );
  return rows.map(toVoucher);
}

export async function voucherById(q: Queryable, tenantId: string, id: string, lock = false): Promise<Voucher | undefined> {
  const [row] = await sql<VoucherRow>(q, `${VOUCHER_SELECT} WHERE v.tenant_id = $1 AND v.id = $2${lock ? ' FOR UPDATE OF a' : ''}`, [tenantId, id]);
  return row && toVoucher(row);
}

export interface NewVoucher {
  tenantId: string;
  id: string;
  kind: 'financial' | 'experience';
  codeHash: string;
  codeHint: string;
  pinHash: string | null;
  faceValueMinor: number;
  saleId: string;
  orderId: string | null;
  grant: ExperienceGrant | null;
  season: string | null;
  vatCode: string | null;
  vatRateBp: number | null;
  vatTiming: VatTiming | null;
}

export async function insertVoucher(tx: Tx, v: NewVoucher): Promise<void> {
  await tx.query(
    `INSERT INTO vouchers (tenant_id, id, kind, code_hash, code_hint, pin_hash, face_value_minor, sale_id, order_id, grant_spec, season, vat_code, vat_rate_bp, vat_timing)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      v.tenantId,
      v.id,
      v.kind,
      v.codeHash,
      v.codeHint,
      v.pinHash,
      v.faceValueMinor,
      v.saleId,
      v.orderId,
      v.grant ? JSON.stringify(v.grant) : null,
      v.season,
      v.vatCode,
      v.vatRateBp,
      v.vatTiming,
    ],
  );
}

export async function markRedeemed(tx: Tx, tenantId: string, id: string, redemptionId: string): Promise<void> {
  await tx.query(`UPDATE vouchers SET redemption_id = $3, redeemed_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, redemptionId]);
}

export async function markCancelled(tx: Tx, tenantId: string, id: string, reason: string): Promise<void> {
  await tx.query(`UPDATE vouchers SET cancel_reason = $3 WHERE tenant_id = $1 AND id = $2`, [tenantId, id, reason]);
}

export async function insertAccountingLines(tx: Tx, tenantId: string, voucherId: string, lines: AccountingLine[]): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `INSERT INTO accounting_lines (tenant_id, voucher_id, seq, phase, kind, ref, vat_code, amount_minor, currency)
     SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[])`,
    [
      tenantId,
      voucherId,
      lines.map((_, i) => i),
      lines.map((l) => l.phase),
      lines.map((l) => l.kind),
      lines.map((l) => l.ref),
      lines.map((l) => l.vatCode),
      lines.map((l) => l.amountMinor),
      lines.map((l) => l.currency),
    ],
  );
}

export async function accountingLinesOf(q: Queryable, tenantId: string, voucherId: string, phase?: 'sale' | 'redemption'): Promise<AccountingLine[]> {
  const rows = await sql<{ phase: 'sale' | 'redemption'; kind: AccountingLine['kind']; ref: string; vat_code: string; amount_minor: string; currency: string }>(
    q,
    `SELECT phase, kind, ref, vat_code, amount_minor, currency FROM accounting_lines
     WHERE tenant_id = $1 AND voucher_id = $2 AND ($3::text IS NULL OR phase = $3) ORDER BY phase DESC, seq`,
    [tenantId, voucherId, phase ?? null],
  );
  return rows.map((r) => ({ phase: r.phase, kind: r.kind, ref: r.ref, vatCode: r.vat_code, amountMinor: Number(r.amount_minor), currency: r.currency }));
}

export async function vatTimingOf(q: Queryable, tenantId: string): Promise<VatTiming | null> {
  const [row] = await sql<{ vat_timing: VatTiming }>(q, `SELECT vat_timing FROM settings WHERE tenant_id = $1`, [tenantId]);
  return row?.vat_timing ?? null;
}

export async function setVatTiming(q: Queryable, tenantId: string, timing: VatTiming): Promise<void> {
  await q.query(
    `INSERT INTO settings (tenant_id, vat_timing) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET vat_timing = EXCLUDED.vat_timing, updated_at = now()`,
    [tenantId, timing],
  );
}

export interface OpenProductRow {
  season: string;
  vatCode: string;
  vatRateBp: number;
  openProductId: string;
}

export async function upsertOpenProduct(q: Queryable, tenantId: string, p: OpenProductRow): Promise<void> {
  await q.query(
    `INSERT INTO open_products (tenant_id, season, vat_code, vat_rate_bp, open_product_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, season, vat_code) DO UPDATE SET vat_rate_bp = EXCLUDED.vat_rate_bp, open_product_id = EXCLUDED.open_product_id`,
    [tenantId, p.season, p.vatCode, p.vatRateBp, p.openProductId],
  );
}

export async function openProducts(q: Queryable, tenantId: string, season?: string, vatCode?: string): Promise<OpenProductRow[]> {
  const rows = await sql<{ season: string; vat_code: string; vat_rate_bp: number; open_product_id: string }>(
    q,
    `SELECT season, vat_code, vat_rate_bp, open_product_id FROM open_products
     WHERE tenant_id = $1 AND ($2::text IS NULL OR season = $2) AND ($3::text IS NULL OR vat_code = $3) ORDER BY season, vat_code`,
    [tenantId, season ?? null, vatCode ?? null],
  );
  return rows.map((r) => ({ season: r.season, vatCode: r.vat_code, vatRateBp: r.vat_rate_bp, openProductId: r.open_product_id }));
}

/** Vouchers past their validity with no hold in flight, skipping those another replica is expiring. */
export async function lockExpiring(tx: Tx, now: Date, limit: number): Promise<Voucher[]> {
  const rows = await sql<VoucherRow>(
    tx,
    `${VOUCHER_SELECT} WHERE a.status = 'active' AND a.valid_until <= $1
       AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.tenant_id = a.tenant_id AND h.account_id = a.id AND h.status = 'held')
     ORDER BY a.valid_until LIMIT $2 FOR UPDATE OF a SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(toVoucher);
}
