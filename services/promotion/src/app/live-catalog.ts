import { ShortLivedCopies, sql } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import { accessCodeRows, advantageRuleOf, liveAdvantageRows, promoRows, promoRuleOf } from '../db/catalog';
import type { AdvantageRule, PromoRule } from '../domain/evaluation';

export interface CatalogSnapshot {
  advantages: AdvantageRule[];
  /** Product id → the live advantages that price it. */
  byProduct: Map<string, AdvantageRule[]>;
  promoCodes: PromoRule[];
  accessCodes: Map<string, { kind: 'partner' | 'promo'; ref: string }>;
  /**
   * Contact → the "contacts" advantages whose target list holds them, with the version of the
   * lists it was read at; absent when the lists are too big to keep (then each quote asks the database).
   */
  targets?: { version: number; byContact: Map<string, string[]> };
}

/** Past this many list entries per tenant, quotes look target lists up in the database instead. */
const MAX_CACHED_TARGETS = 300_000;

/**
 * A short-lived per-tenant copy of what is in operation, for quotes. A quote is read-only and may
 * be up to `ttlMs` stale in another replica (this one drops its copy on every write); a hold
 * always reads the rows again inside its transaction, so nothing is sold on stale data.
 */
export class LiveCatalog {
  private readonly snapshots: ShortLivedCopies<CatalogSnapshot>;
  private readonly targetLists = new Map<string, NonNullable<CatalogSnapshot['targets']>>();

  constructor(
    private readonly db: DataSource,
    private readonly clock: () => Date,
    ttlMs = 1000,
  ) {
    this.snapshots = new ShortLivedCopies(ttlMs);
  }

  get(tenantId: string): Promise<CatalogSnapshot> {
    return this.snapshots.get(tenantId, () => this.load(tenantId));
  }

  forget(tenantId: string): void {
    this.snapshots.forget(tenantId);
    this.targetLists.delete(tenantId);
  }

  private async load(tenantId: string): Promise<CatalogSnapshot> {
    const [advantageRows, promos, codes, targets] = await Promise.all([
      liveAdvantageRows(this.db, tenantId, null, this.clock()),
      promoRows(this.db, tenantId, [], this.clock()),
      accessCodeRows(this.db, tenantId, null),
      this.loadTargets(tenantId),
    ]);
    const advantages = advantageRows.map(advantageRuleOf);
    return {
      advantages,
      byProduct: indexByProduct(advantages),
      promoCodes: promos.map(promoRuleOf),
      accessCodes: new Map(codes.map((c) => [c.code, { kind: c.kind, ref: c.ref }])),
      targets,
    };
  }

  /** Target lists are read again only when their version moved. */
  private async loadTargets(tenantId: string): Promise<CatalogSnapshot['targets']> {
    const [v] = await sql<{ version: string }>(this.db, `SELECT version FROM target_versions WHERE tenant_id = $1`, [tenantId]);
    const version = Number(v?.version ?? 0);
    const known = this.targetLists.get(tenantId);
    if (known?.version === version) return known;
    const [size] = await sql<{ n: number }>(this.db, `SELECT count(*)::int AS n FROM target_contacts WHERE tenant_id = $1`, [tenantId]);
    if ((size?.n ?? 0) > MAX_CACHED_TARGETS) return undefined;
    const rows = await sql<{ contact_id: string; advantage_ids: string[] }>(
      this.db,
      `SELECT contact_id, array_agg(advantage_id::text) AS advantage_ids FROM target_contacts WHERE tenant_id = $1 GROUP BY contact_id`,
      [tenantId],
    );
    const lists = { version, byContact: new Map(rows.map((r) => [r.contact_id, r.advantage_ids])) };
    this.targetLists.set(tenantId, lists);
    return lists;
  }
}

export function indexByProduct(advantages: AdvantageRule[]): Map<string, AdvantageRule[]> {
  const byProduct = new Map<string, AdvantageRule[]>();
  for (const a of advantages) {
    for (const productId of new Set(a.prices.map((p) => p.productId))) {
      const list = byProduct.get(productId) ?? [];
      list.push(a);
      byProduct.set(productId, list);
    }
  }
  return byProduct;
}
