import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** The gateway answers health like every service; its own errors are the checkout's. */
export const gatewayHealth = healthContract('gateway');

export const gatewayErrors = defineErrors({
  CHECKOUT_HOLD_FAILED: { status: 409, title: 'A reduction or payment could not be held; everything else was released' },
  CHECKOUT_EXPIRED: { status: 410, title: 'The checkout hold expired; start again' },
  CHECKOUT_IN_PROGRESS: { status: 409, title: 'This order is being processed; retry shortly' },
  ORDER_NOT_HELD: { status: 409, title: 'The order has no active hold' },
  ORDER_CLOSED: { status: 409, title: 'The order is already confirmed, cancelled or expired' },
  ORDER_MISMATCH: { status: 409, title: 'This order id was already used for another cart' },
  POINTS_PRICE_CHANGED: { status: 409, title: 'A product changed its points price since the quote; quote again' },
  PAYMENT_EXCEEDS_TOTAL: { status: 422, title: 'The chosen payments exceed the amount due' },
  REFUND_EXCEEDS_PAID: { status: 422, title: 'The refund exceeds what was paid' },
});
