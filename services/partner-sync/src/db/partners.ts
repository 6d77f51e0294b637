import { EarnRules, PointsConversion, SpendRules, type PartnerView, type PointsWording } from '@tlp/contracts';
import { prepared, sql, togetherOnPool, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import { fingerprint } from '../domain/signature';

export type Queryable = Tx | DataSource;
export type Direction = 'inbound' | 'outbound';

export interface SecretRecord {
  direction: Direction;
  secret: string;
  fingerprint: string;
  addedAt: Date;
  expiresAt: Date | null;
}

export interface PartnerRecord {
  tenantId: string;
  partnerId: string;
  name: string;
  apiBaseUrl: string;
  apiKey: string;
  wording: PointsWording;
  conversion: PointsConversion;
  earn: EarnRules;
  spend: SpendRules;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
  secrets: SecretRecord[];
}

interface PartnerRow {
  tenant_id: string;
  partner_id: string;
  name: string;
  api_base_url: string;
  api_key: string;
  wording: PointsWording;
  conversion: unknown;
  earn_rules: unknown;
  spend_rules: unknown;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const columns = `tenant_id, partner_id, name, api_base_url, api_key, wording, conversion, earn_rules, spend_rules, active, created_at, updated_at`;

/** The partners of rows read from any tenants, each with its own secrets. */
async function withSecrets(q: Queryable, rows: PartnerRow[]): Promise<PartnerRecord[]> {
  if (rows.length === 0) return [];
  const secrets = await sql<{ tenant_id: string; partner_id: string; direction: Direction; secret: string; fingerprint: string; added_at: Date; expires_at: Date | null }>(
    q,
    `SELECT tenant_id, partner_id, direction, secret, fingerprint, added_at, expires_at FROM partner_secrets
     WHERE tenant_id = ANY($1::text[]) AND partner_id = ANY($2::uuid[]) ORDER BY added_at, fingerprint`,
    [[...new Set(rows.map((r) => r.tenant_id))], rows.map((r) => r.partner_id)],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    partnerId: r.partner_id,
    name: r.name,
    apiBaseUrl: r.api_base_url,
    apiKey: r.api_key,
    wording: r.wording,
    conversion: PointsConversion.parse(r.conversion),
    earn: EarnRules.parse(r.earn_rules),
    spend: SpendRules.parse(r.spend_rules),
    active: r.active,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    secrets: secrets
      .filter((s) => s.tenant_id === r.tenant_id && s.partner_id === r.partner_id)
      .map((s) => ({ direction: s.direction, secret: s.secret, fingerprint: s.fingerprint, addedAt: s.added_at, expiresAt: s.expires_at })),
  }));
}

export async function findPartner(q: Queryable, tenantId: string, partnerId: string, lock = false): Promise<PartnerRecord | undefined> {
  const rows = await sql<PartnerRow>(
    q,
    `SELECT ${columns} FROM partners WHERE tenant_id = $1 AND partner_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, partnerId],
  );
  return (await withSecrets(q, rows))[0];
}

/** Webhooks carry only the partner id: the tenant is the one the partner was set up for. */
export async function findPartnerAnyTenant(q: Queryable, partnerId: string): Promise<PartnerRecord | undefined> {
  const rows = await sql<PartnerRow>(q, `SELECT ${columns} FROM partners WHERE partner_id = $1`, [partnerId]);
  return (await withSecrets(q, rows))[0];
}

const PARTNERS = prepared('partner-sync-partners', `SELECT ${columns} FROM partners WHERE tenant_id = $1 ORDER BY created_at, partner_id`);
/** Prepared: every checkout quote lists its tenant's active partners. */
const ACTIVE_PARTNERS = prepared('partner-sync-active-partners', `SELECT ${columns} FROM partners WHERE tenant_id = ANY($1::text[]) AND active ORDER BY created_at, partner_id`);

async function activePartnersOf(q: Queryable, tenantIds: string[]): Promise<PartnerRecord[][]> {
  const partners = await withSecrets(q, await sql<PartnerRow>(q, ACTIVE_PARTNERS, [[...new Set(tenantIds)]]));
  return tenantIds.map((t) => partners.filter((p) => p.tenantId === t));
}

/** On the pool, the active partners asked by concurrent quotes are read in one statement (with their secrets in one more). */
export async function listPartners(q: Queryable, tenantId: string, activeOnly = false): Promise<PartnerRecord[]> {
  if (!activeOnly) return withSecrets(q, await sql<PartnerRow>(q, PARTNERS, [tenantId]));
  return togetherOnPool(q, 'partner-sync-active-partners', (tenantIds: string[]) => activePartnersOf(q, tenantIds), tenantId);
}

export async function insertPartner(tx: Tx, p: Omit<PartnerRecord, 'secrets' | 'createdAt' | 'updatedAt'>): Promise<boolean> {
  const rows = await sql(
    tx,
    `INSERT INTO partners (tenant_id, partner_id, name, api_base_url, api_key, wording, conversion, earn_rules, spend_rules, active)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING partner_id`,
    [p.tenantId, p.partnerId, p.name, p.apiBaseUrl, p.apiKey, ...[p.wording, p.conversion, p.earn, p.spend].map((j) => JSON.stringify(j)), p.active],
  );
  return rows.length === 1;
}

export async function updatePartner(tx: Tx, p: PartnerRecord): Promise<void> {
  await sql(
    tx,
    `UPDATE partners SET name = $3, api_base_url = $4, api_key = $5, wording = $6, conversion = $7, earn_rules = $8, spend_rules = $9,
       active = $10, updated_at = now()
     WHERE tenant_id = $1 AND partner_id = $2`,
    [p.tenantId, p.partnerId, p.name, p.apiBaseUrl, p.apiKey, ...[p.wording, p.conversion, p.earn, p.spend].map((j) => JSON.stringify(j)), p.active],
  );
}

/** Adds a secret; the direction's other secrets stay valid until `othersExpireAt` (or keep their earlier expiry). */
export async function addSecret(tx: Tx, tenantId: string, partnerId: string, direction: Direction, secret: string, othersExpireAt?: Date): Promise<void> {
  if (othersExpireAt) {
    await sql(
      tx,
      `UPDATE partner_secrets SET expires_at = LEAST(coalesce(expires_at, $4), $4)
       WHERE tenant_id = $1 AND partner_id = $2 AND direction = $3`,
      [tenantId, partnerId, direction, othersExpireAt],
    );
  }
  await sql(
    tx,
    `INSERT INTO partner_secrets (tenant_id, partner_id, direction, secret, fingerprint) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, partner_id, direction, fingerprint) DO UPDATE SET expires_at = NULL`,
    [tenantId, partnerId, direction, secret, fingerprint(secret)],
  );
}

export const activeSecrets = (p: PartnerRecord, direction: Direction, now: Date): string[] =>
  p.secrets.filter((s) => s.direction === direction && (s.expiresAt === null || s.expiresAt > now)).map((s) => s.secret);

export function partnerView(p: PartnerRecord, now: Date): PartnerView {
  const secrets = (direction: Direction) =>
    p.secrets
      .filter((s) => s.direction === direction && (s.expiresAt === null || s.expiresAt > now))
      .map((s) => ({ fingerprint: s.fingerprint, addedAt: s.addedAt.toISOString(), expiresAt: s.expiresAt?.toISOString() ?? null }));
  return {
    partnerId: p.partnerId,
    name: p.name,
    apiBaseUrl: p.apiBaseUrl,
    apiKeyFingerprint: fingerprint(p.apiKey),
    inboundSecrets: secrets('inbound'),
    outboundSecrets: secrets('outbound'),
    webhookPath: `/webhooks/partners/${p.partnerId}`,
    wording: p.wording,
    conversion: p.conversion,
    earn: p.earn,
    spend: p.spend,
    active: p.active,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
