import type { Advantage, AdvantagePrice, EndOfSale, PromoCode, PromoDiscount, Target } from '@tlp/contracts';
import { sql } from '@tlp/platform';
import type { AdvantageRule, Funder, PromoRule } from '../domain/evaluation';

/** Anything that runs SQL: the data source or a transaction. */
export interface Queryable {
  query(query: string, parameters?: unknown[]): Promise<unknown>;
}

type Localized = Record<string, string>;

interface AdvantageRow {
  id: string;
  season: string;
  family: Advantage['family'];
  state: Advantage['state'];
  names: { internal: Localized; public: Localized };
  target: Target;
  channels: string[] | null;
  valid_from: Date | null;
  valid_until: Date | null;
  end_of_sale: EndOfSale;
  quota: number | null;
  quota_taken: number;
  funded_by: Funder;
  prices: AdvantagePrice[];
}

interface PromoRow {
  id: string;
  access_code: string;
  state: PromoCode['state'];
  names: { internal: Localized; public: Localized };
  discount: PromoDiscount;
  min_cart: { amountMinor: number; currency: string } | null;
  indicator: { indicator: string; level: string } | null;
  channels: string[] | null;
  valid_from: Date | null;
  valid_until: Date | null;
  end_of_sale: EndOfSale;
  max_uses: number | null;
  uses_taken: number;
  funded_by: Funder;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const ms = (d: Date | null) => (d ? d.getTime() : null);

export const advantageOf = (r: AdvantageRow): Advantage => ({
  advantageId: r.id,
  season: r.season,
  family: r.family,
  state: r.state,
  names: r.names,
  target: r.target,
  channels: r.channels,
  validFrom: iso(r.valid_from),
  validUntil: iso(r.valid_until),
  endOfSale: r.end_of_sale,
  quota: r.quota,
  quotaTaken: r.quota_taken,
  fundedBy: r.funded_by,
  prices: r.prices,
});

export const advantageRuleOf = (r: AdvantageRow): AdvantageRule => ({
  id: r.id,
  season: r.season,
  family: r.family,
  state: r.state,
  target: r.target,
  channels: r.channels,
  validFrom: ms(r.valid_from),
  validUntil: ms(r.valid_until),
  endOfSale: r.end_of_sale,
  quota: r.quota,
  quotaTaken: r.quota_taken,
  fundedBy: r.funded_by,
  prices: r.prices,
});

export const promoCodeOf = (r: PromoRow): PromoCode => ({
  promoCodeId: r.id,
  accessCode: r.access_code,
  state: r.state,
  names: r.names,
  discount: r.discount,
  minCartAmount: r.min_cart,
  indicator: r.indicator,
  channels: r.channels,
  validFrom: iso(r.valid_from),
  validUntil: iso(r.valid_until),
  endOfSale: r.end_of_sale,
  maxUses: r.max_uses,
  usesTaken: r.uses_taken,
  fundedBy: r.funded_by,
});

export const promoRuleOf = (r: PromoRow): PromoRule => ({
  id: r.id,
  accessCode: r.access_code,
  state: r.state,
  discount: r.discount,
  minCartAmount: r.min_cart,
  indicator: r.indicator,
  channels: r.channels,
  validFrom: ms(r.valid_from),
  validUntil: ms(r.valid_until),
  endOfSale: r.end_of_sale,
  maxUses: r.max_uses,
  usesTaken: r.uses_taken,
  fundedBy: r.funded_by,
});

const ADVANTAGE_COLUMNS = `id, season, family, state, names, target, channels, valid_from, valid_until, end_of_sale, quota, quota_taken, funded_by, prices`;
const PROMO_COLUMNS = `id, access_code, state, names, discount, min_cart, indicator, channels, valid_from, valid_until, end_of_sale, max_uses, uses_taken, funded_by`;

type AdvantageFields = Omit<Advantage, 'advantageId' | 'state' | 'quotaTaken'>;
type PromoFields = Omit<PromoCode, 'promoCodeId' | 'state' | 'usesTaken'>;

/** The columns an insert and an edit write, from $3 on, in the order of their SQL. */
const advantageValues = (a: AdvantageFields) => [
  a.season,
  a.family,
  JSON.stringify(a.names),
  JSON.stringify(a.target),
  a.channels,
  a.validFrom,
  a.validUntil,
  JSON.stringify(a.endOfSale),
  a.quota,
  a.fundedBy,
  JSON.stringify(a.prices),
];
const promoValues = (p: PromoFields) => [
  p.accessCode,
  JSON.stringify(p.names),
  JSON.stringify(p.discount),
  p.minCartAmount ? JSON.stringify(p.minCartAmount) : null,
  p.indicator ? JSON.stringify(p.indicator) : null,
  p.channels,
  p.validFrom,
  p.validUntil,
  JSON.stringify(p.endOfSale),
  p.maxUses,
  p.fundedBy,
];

export async function insertAdvantage(q: Queryable, tenantId: string, id: string, a: AdvantageFields): Promise<AdvantageRow> {
  const [row] = await sql<AdvantageRow>(
    q,
    `INSERT INTO advantages (tenant_id, id, season, family, names, target, channels, valid_from, valid_until, end_of_sale, quota, funded_by, prices)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${ADVANTAGE_COLUMNS}`,
    [tenantId, id, ...advantageValues(a)],
  );
  if (!row) throw new Error('advantage insert returned nothing');
  return row;
}

export async function findAdvantage(q: Queryable, tenantId: string, id: string, lock = false): Promise<AdvantageRow | undefined> {
  const [row] = await sql<AdvantageRow>(
    q,
    `SELECT ${ADVANTAGE_COLUMNS} FROM advantages WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return row;
}

export function listAdvantageRows(q: Queryable, tenantId: string, season: string | null, state: string | null): Promise<AdvantageRow[]> {
  return sql<AdvantageRow>(
    q,
    `SELECT ${ADVANTAGE_COLUMNS} FROM advantages
     WHERE tenant_id = $1 AND ($2::text IS NULL OR season = $2) AND ($3::text IS NULL OR state = $3) ORDER BY id`,
    [tenantId, season, state],
  );
}

/** Units still counted by holds that expired at `now` but that no one has ended yet. */
const expiredHeld = (kind: string, taken: string) =>
  `${taken} - coalesce((SELECT sum(h.units) FROM holds h WHERE h.tenant_id = x.tenant_id AND h.kind = '${kind}' AND h.ref = x.id::text
     AND h.state = 'held' AND h.expires_at <= $NOW), 0)::int AS ${taken}`;
const withNow = (columns: string, kind: string, taken: string, nowParam: number) =>
  columns.replace(taken, expiredHeld(kind, taken).replace('$NOW', `$${nowParam}`));

/**
 * Advantages in operation (with product ids, only those pricing one of them). The quota taken
 * leaves out holds already expired at `now`, so an expired hold frees its units before the job runs.
 */
export function liveAdvantageRows(q: Queryable, tenantId: string, productIds: string[] | null, now: Date): Promise<AdvantageRow[]> {
  return sql<AdvantageRow>(
    q,
    `SELECT ${withNow(ADVANTAGE_COLUMNS, 'advantage', 'quota_taken', 3)} FROM advantages x
     WHERE tenant_id = $1 AND state = 'in-operation'
       AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM jsonb_array_elements(x.prices) p WHERE p->>'productId' = ANY($2)))`,
    [tenantId, productIds, now],
  );
}

/** Writes every editable column of an advantage; the caller decides what may change. */
export async function updateAdvantageRow(q: Queryable, tenantId: string, a: AdvantageFields & { advantageId: string }): Promise<AdvantageRow> {
  const [row] = await sql<AdvantageRow>(
    q,
    `UPDATE advantages SET season = $3, family = $4, names = $5, target = $6, channels = $7, valid_from = $8, valid_until = $9, end_of_sale = $10,
       quota = $11, funded_by = $12, prices = $13, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${ADVANTAGE_COLUMNS}`,
    [tenantId, a.advantageId, ...advantageValues(a)],
  );
  if (!row) throw new Error('advantage update returned nothing');
  return row;
}

export async function setAdvantageState(q: Queryable, tenantId: string, id: string, state: string): Promise<AdvantageRow | undefined> {
  const [row] = await sql<AdvantageRow>(
    q,
    `UPDATE advantages SET state = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${ADVANTAGE_COLUMNS}`,
    [tenantId, id, state],
  );
  return row;
}

export async function insertPromoCode(q: Queryable, tenantId: string, id: string, p: PromoFields): Promise<PromoRow> {
  const [row] = await sql<PromoRow>(
    q,
    `INSERT INTO promo_codes (tenant_id, id, access_code, names, discount, min_cart, indicator, channels, valid_from, valid_until, end_of_sale, max_uses, funded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${PROMO_COLUMNS}`,
    [tenantId, id, ...promoValues(p)],
  );
  if (!row) throw new Error('promo code insert returned nothing');
  return row;
}

export async function findPromoCode(q: Queryable, tenantId: string, id: string, lock = false): Promise<PromoRow | undefined> {
  const [row] = await sql<PromoRow>(q, `SELECT ${PROMO_COLUMNS} FROM promo_codes WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return row;
}

export function listPromoRows(q: Queryable, tenantId: string, state: string | null): Promise<PromoRow[]> {
  return sql<PromoRow>(
    q,
    `SELECT ${PROMO_COLUMNS} FROM promo_codes WHERE tenant_id = $1 AND ($2::text IS NULL OR state = $2) ORDER BY access_code`,
    [tenantId, state],
  );
}

/** Writes every editable column of a promo code; the caller decides what may change. */
export async function updatePromoRow(q: Queryable, tenantId: string, p: PromoFields & { promoCodeId: string }): Promise<PromoRow> {
  const [row] = await sql<PromoRow>(
    q,
    `UPDATE promo_codes SET access_code = $3, names = $4, discount = $5, min_cart = $6, indicator = $7, channels = $8, valid_from = $9, valid_until = $10,
       end_of_sale = $11, max_uses = $12, funded_by = $13, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 RETURNING ${PROMO_COLUMNS}`,
    [tenantId, p.promoCodeId, ...promoValues(p)],
  );
  if (!row) throw new Error('promo code update returned nothing');
  return row;
}

/** Promo codes in operation, plus the listed ones in any state (a typed code is always explained). */
export function promoRows(q: Queryable, tenantId: string, alsoIds: string[], now: Date): Promise<PromoRow[]> {
  return sql<PromoRow>(
    q,
    `SELECT ${withNow(PROMO_COLUMNS, 'promo-code', 'uses_taken', 3)} FROM promo_codes x
     WHERE tenant_id = $1 AND (state = 'in-operation' OR id = ANY($2::uuid[]))`,
    [tenantId, alsoIds, now],
  );
}

export async function setPromoState(q: Queryable, tenantId: string, id: string, state: string): Promise<PromoRow | undefined> {
  const [row] = await sql<PromoRow>(
    q,
    `UPDATE promo_codes SET state = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING ${PROMO_COLUMNS}`,
    [tenantId, id, state],
  );
  return row;
}

/** Claims an access code for an advantage or promo code; false when the tenant already uses it. */
export async function claimAccessCode(q: Queryable, tenantId: string, code: string, kind: 'partner' | 'promo', ref: string): Promise<boolean> {
  const rows = await sql(q, `INSERT INTO access_codes (tenant_id, code, kind, ref) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING code`, [
    tenantId,
    code,
    kind,
    ref,
  ]);
  return rows.length > 0;
}

export async function releaseAccessCode(q: Queryable, tenantId: string, code: string, ref: string): Promise<void> {
  await q.query(`DELETE FROM access_codes WHERE tenant_id = $1 AND code = $2 AND ref = $3`, [tenantId, code, ref]);
}

export function accessCodeRows(q: Queryable, tenantId: string, codes: string[] | null): Promise<{ code: string; kind: 'partner' | 'promo'; ref: string }[]> {
  return sql(q, `SELECT code, kind, ref FROM access_codes WHERE tenant_id = $1 AND ($2::text[] IS NULL OR code = ANY($2))`, [tenantId, codes]);
}
