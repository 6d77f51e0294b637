import { DomainError, Funder, NonEmpty, Timestamp } from '@tlp/contracts';
import { sql } from '@tlp/platform';
import { z } from 'zod';
import { hasRole } from '../auth';
import { CheckoutCart, CheckoutView, Quote, RefundRequest, type CheckoutCart as Cart } from '../checkout/cart';
import type { SagaRecord } from '../checkout/saga';
import type { GatewayContext } from '../http/context';
import { route } from '../http/route';

const tag = 'Checkout';

/** A fan buys for themself; the box office names the customer in the cart. */
function contactFor(ctx: GatewayContext, cart: Cart): string | null {
  if (hasRole(ctx.principal, 'box-office')) return cart.contactId ?? null;
  if (cart.contactId && cart.contactId !== ctx.principal.contactId) throw new DomainError('FORBIDDEN', 'A fan can only buy for themself');
  return ctx.principal.contactId ?? null;
}

/** Another tenant's or another fan's order does not exist, as far as this caller knows. */
async function visibleSaga(ctx: GatewayContext, orderId: string): Promise<SagaRecord<Cart, Quote>> {
  const saga = await ctx.sagas.require(ctx.principal.tenantId, orderId);
  if (!hasRole(ctx.principal, 'box-office') && saga.contactId !== ctx.principal.contactId) {
    throw new DomainError('NOT_FOUND', `No checkout for order ${orderId}`);
  }
  return saga;
}

const view = (saga: SagaRecord<Cart, Quote>): CheckoutView => ({
  orderId: saga.orderId,
  state: saga.state,
  holdExpiresAt: saga.holdExpiresAt.toISOString(),
  quote: saga.priced,
  steps: saga.steps.map((s) => ({ step: s.step, state: s.state })),
});

const OrderParams = z.object({ orderId: NonEmpty });

export const checkoutRoutes = [
  route({
    method: 'post',
    path: '/checkout/quote',
    tag,
    summary: 'Price a cart: advantages, promo codes, rewards, balances and the amount due (changes nothing)',
    role: 'fan',
    readOnly: true,
    rateLimit: 'attempts',
    body: CheckoutCart,
    response: Quote,
    handle: (ctx, { body }) => ctx.checkout.quote(ctx.request, body, contactFor(ctx, body)),
  }),
  route({
    method: 'post',
    path: '/checkout/holds',
    tag,
    summary: 'Hold every reduction and payment of an order until it is confirmed, cancelled or expires',
    role: 'fan',
    rateLimit: 'attempts',
    status: 201,
    body: CheckoutCart.and(z.object({ orderId: NonEmpty })),
    response: CheckoutView,
    handle: async (ctx, { body }) => {
      const { orderId, ...cart } = body;
      const contactId = contactFor(ctx, cart);
      const existing = await ctx.sagas.get(ctx.principal.tenantId, orderId);
      const priced = existing?.priced ?? (await ctx.checkout.quote(ctx.request, cart, contactId));
      return view(await ctx.sagas.hold(ctx.request, orderId, contactId, cart, priced));
    },
  }),
  route({
    method: 'get',
    path: '/checkout/:orderId',
    tag,
    summary: 'An order at checkout and the state of each of its holds',
    role: 'fan',
    params: OrderParams,
    response: CheckoutView,
    handle: async (ctx, { params }) => view(await visibleSaga(ctx, params.orderId)),
  }),
  route({
    method: 'post',
    path: '/checkout/:orderId/confirmation',
    tag,
    summary: 'Capture everything held and complete the order (publishes evt.order.completed)',
    role: 'fan',
    params: OrderParams,
    response: CheckoutView,
    handle: async (ctx, { params }) => {
      await visibleSaga(ctx, params.orderId);
      return view(await ctx.sagas.confirm(ctx.request, params.orderId));
    },
  }),
  route({
    method: 'post',
    path: '/checkout/:orderId/cancellation',
    tag,
    summary: 'Release everything held for the order',
    role: 'fan',
    params: OrderParams,
    response: CheckoutView,
    handle: async (ctx, { params }) => {
      await visibleSaga(ctx, params.orderId);
      return view(await ctx.sagas.cancel(ctx.request, params.orderId));
    },
  }),
  route({
    method: 'post',
    path: '/checkout/:orderId/refunds',
    tag,
    summary: 'Refund part of a confirmed order, split between the original payment, the credit note, points and partner points',
    role: 'box-office',
    params: OrderParams,
    body: RefundRequest,
    status: 201,
    response: z.object({ refundId: z.string(), totalRefundedMinor: z.int(), creditNoteMinor: z.int(), pointsConvertedMinor: z.int() }),
    handle: async (ctx, { params, body }) => ctx.checkout.refund(ctx.request, await visibleSaga(ctx, params.orderId), body),
  }),
  route({
    method: 'get',
    path: '/reductions',
    tag,
    summary: 'Reductions of confirmed orders by funder (organizer, promoter, partner), net of what refunds gave back, for commissions',
    role: 'operator',
    query: z.object({ from: Timestamp, until: Timestamp, fundedBy: Funder.optional() }),
    response: z.object({
      rows: z.array(
        z.object({ fundedBy: Funder, source: z.string(), ref: z.string(), orders: z.int(), amountMinor: z.int(), refundedMinor: z.int(), currency: z.string() }),
      ),
    }),
    handle: async (ctx, { query }) => ({
      rows: await sql<{ fundedBy: z.infer<typeof Funder>; source: string; ref: string; orders: number; amountMinor: number; refundedMinor: number; currency: string }>(
        ctx.sagas.db,
        // Orders confirmed in the period give their reductions; refunds made in the period give theirs back.
        `WITH moves AS (
           SELECT r->>'fundedBy' AS funded_by, r->>'source' AS source, r->>'ref' AS ref, s.order_id, (r->>'amountMinor')::int AS amount, s.priced->>'currency' AS currency
           FROM checkout_sagas s, jsonb_array_elements(s.priced->'lines') AS l, jsonb_array_elements(l->'reductions') AS r
           WHERE s.tenant_id = $1 AND s.state = 'confirmed' AND s.updated_at >= $2 AND s.updated_at < $3
           UNION ALL
           SELECT r->>'fundedBy', r->>'source', r->>'ref', f.order_id, -(r->>'amountMinor')::int, s.priced->>'currency'
           FROM checkout_refunds f JOIN checkout_sagas s ON s.tenant_id = f.tenant_id AND s.order_id = f.order_id, jsonb_array_elements(f.reductions) AS r
           WHERE f.tenant_id = $1 AND f.state = 'refunded' AND f.created_at >= $2 AND f.created_at < $3
         )
         SELECT funded_by AS "fundedBy", source, ref, count(DISTINCT order_id)::int AS orders, sum(amount)::int AS "amountMinor",
                coalesce(sum(-amount) FILTER (WHERE amount < 0), 0)::int AS "refundedMinor", currency
         FROM moves WHERE ($4::text IS NULL OR funded_by = $4)
         GROUP BY 1, 2, 3, 7 ORDER BY 1, 2, 3`,
        [ctx.principal.tenantId, query.from, query.until, query.fundedBy ?? null],
      ),
    }),
  }),
];
