import type { DataSource } from 'typeorm';
import { accessCodeRows, advantageRuleOf, liveAdvantageRows, promoRows, promoRuleOf } from '../db/catalog';
import type { AdvantageRule, PromoRule } from '../domain/evaluation';

export interface CatalogSnapshot {
  advantages: AdvantageRule[];
  /** Product id → the live advantages that price it. */
  byProduct: Map<string, AdvantageRule[]>;
  promoCodes: PromoRule[];
  accessCodes: Map<string, { kind: 'partner' | 'promo'; ref: string }>;
}

/**
 * A short-lived per-tenant copy of what is in operation, for quotes. A quote is read-only and may
 * be up to `ttlMs` stale in another replica (this one drops its copy on every write); a hold
 * always reads the rows again inside its transaction, so nothing is sold on stale data.
 */
export class LiveCatalog {
  private readonly snapshots = new Map<string, { at: number; snapshot: Promise<CatalogSnapshot> }>();

  constructor(
    private readonly db: DataSource,
    private readonly clock: () => Date,
    private readonly ttlMs = 1000,
  ) {}

  get(tenantId: string): Promise<CatalogSnapshot> {
    const cached = this.snapshots.get(tenantId);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.snapshot;
    const snapshot = this.load(tenantId);
    this.snapshots.set(tenantId, { at: Date.now(), snapshot });
    snapshot.catch(() => this.snapshots.delete(tenantId));
    return snapshot;
  }

  forget(tenantId: string): void {
    this.snapshots.delete(tenantId);
  }

  private async load(tenantId: string): Promise<CatalogSnapshot> {
    const [advantageRows, promos, codes] = await Promise.all([
      liveAdvantageRows(this.db, tenantId, null, this.clock()),
      promoRows(this.db, tenantId, [], this.clock()),
      accessCodeRows(this.db, tenantId, null),
    ]);
    const advantages = advantageRows.map(advantageRuleOf);
    return {
      advantages,
      byProduct: indexByProduct(advantages),
      promoCodes: promos.map(promoRuleOf),
      accessCodes: new Map(codes.map((c) => [c.code, { kind: c.kind, ref: c.ref }])),
    };
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
