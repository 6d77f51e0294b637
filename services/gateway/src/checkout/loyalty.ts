import { DomainError } from '@tlp/contracts';
import type { LoyaltyCheckout } from './checkout';

/**
 * The checkout without the loyalty service's part: no rewards applied, no points balance, and
 * paying with points refused with a clear error rather than ignored.
 */
export const withoutLoyalty: LoyaltyCheckout = {
  quote: async (_ctx, cart) => {
    if (cart.pay.points) throw new DomainError('UNAVAILABLE', 'Paying with points is not available');
    return { rewardReductions: [], rewards: [], balance: null, payments: [], pointsEarnable: 0 };
  },
  steps: () => [],
};
