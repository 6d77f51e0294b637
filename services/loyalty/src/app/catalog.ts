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
const kept = new Map<string, LoyaltyCatalog & { until: number }>();

/** Called by every write to programs or rewards. */
export function loyaltyCatalogChanged(tenantId: string): void {
  kept.delete(tenantId);
}

export async function liveCatalog(tenantId: string, load: () => Promise<LoyaltyCatalog>): Promise<LoyaltyCatalog> {
  const now = Date.now();
  const known = kept.get(tenantId);
  if (known && known.until > now) return known;
  const fresh = { ...(await load()), until: now + KEPT_MS };
  // Tenants seen once long ago are dropped together rather than tracked one by one.
  if (kept.size >= 10_000) kept.clear();
  kept.set(tenantId, fresh);
  return fresh;
}
