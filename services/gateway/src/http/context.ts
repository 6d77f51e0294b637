import type { Bus, RequestContext } from '@tlp/contracts';
import type { Logger } from '@tlp/platform';
import type { Principal } from '../auth';
import type { Backends } from '../backends';
import type { Checkout } from '../checkout/checkout';
import type { CheckoutCart, Quote } from '../checkout/cart';
import type { CheckoutSagas } from '../checkout/saga';

/** What a route handler gets: the caller, the request context to pass on, and the services. */
export interface GatewayContext {
  principal: Principal;
  request: RequestContext;
  backends: Backends;
  bus: Bus;
  log: Logger;
  checkout: Checkout;
  sagas: CheckoutSagas<CheckoutCart, Quote>;
}
