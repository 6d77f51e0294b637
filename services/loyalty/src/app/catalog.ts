import type { Program, Reward } from '@tlp/contracts';
import { ShortLivedCopies } from '@tlp/platform';

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

const catalogs = new ShortLivedCopies<LoyaltyCatalog>(1000);

/** Called by every write to programs or rewards. */
export function loyaltyCatalogChanged(tenantId: string): void {
  catalogs.forget(tenantId);
}

export function liveCatalog(tenantId: string, load: () => Promise<LoyaltyCatalog>): Promise<LoyaltyCatalog> {
  return catalogs.get(tenantId, load);
}
