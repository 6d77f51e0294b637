import type { Route } from '../http/route';
import { checkoutRoutes } from './checkout';
import { loyaltyRoutes } from './loyalty';
import { partnerRoutes } from './partner';
import { promotionRoutes } from './promotion';
import { renewalRoutes } from './renewal';
import { voucherRoutes } from './voucher';

/** Every route of the public API, by area. */
export const allRoutes: Route[] = [...checkoutRoutes, ...loyaltyRoutes, ...promotionRoutes, ...voucherRoutes, ...renewalRoutes, ...partnerRoutes];
