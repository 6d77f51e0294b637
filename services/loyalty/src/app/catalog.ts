import type { Program, Reward } from '@tlp/contracts';

/**
 * What a quote needs of a tenant's set-up: its programs and its active rewards. Quotes come at
 * every change of a cart and the set-up changes a few times a season, so this process keeps a
 * tenant's for a second (as promotion keeps its catalog) and forgets it as soon as it changes
 * it itself; a change made through another replica shows within that second. Holds never read
 * it: they read the rows in their own transaction.
 */
export interface LoyaltyCatalog {
  programs: Program[];
  rewards: Reward[];
}

const KEPT_MS = 1000;
/** A tenant's catalog as a promise from the start of its load: quotes arriving meanwhile share it. */
const kept = new Map<string, { until: number; catalog: Promise<LoyaltyCatalog> }>();

/** Called by every write to programs or rewards. */
export function loyaltyCatalogChanged(tenantId: string): void {
  kept.delete(tenantId);
}

export function liveCatalog(tenantId: string, load: () => Promise<LoyaltyCatalog>): Promise<LoyaltyCatalog> {
  const now = Date.now();
  const known = kept.get(tenantId);
  if (known && known.until > now) return known.catalog;
  // Tenants seen once long ago are dropped together rather than tracked one by one.
  if (kept.size >= 10_000) kept.clear();
  // Kept from the start of the load (what it reads is never older than KEPT_MS), so a change
  // made while it runs drops it rather than being hidden by it when it ends.
  const entry = { until: now + KEPT_MS, catalog: load() };
  kept.set(tenantId, entry);
  // A failed load is not kept: the next quote loads again.
  entry.catalog.catch(() => {
    if (kept.get(tenantId) === entry) kept.delete(tenantId);
  });
  return entry.catalog;
}
