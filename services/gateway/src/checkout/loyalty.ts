import {
  DomainError,
  loyaltyCheckoutQuote,
  loyaltyPointsCapture,
  loyaltyPointsHold,
  loyaltyPointsRelease,
  loyaltyRewardsCapture,
  loyaltyRewardsHold,
  loyaltyRewardsRelease,
  pointsCount,
  pointsWord,
  type RequestContext,
} from '@tlp/contracts';
import type { Backends } from '../backends';
import { HOLD_TTL_SECONDS, type LoyaltyCheckout } from './checkout';

/**
 * Loyalty's part of a checkout: rewards applied automatically (each a reduction on its lines,
 * funded as the reward says), the points balance in the program's wording and in money, paying
 * part of the order with points (held, then captured or released with the rest), and the points
 * the order would earn.
 */
export function loyaltyCheckout(backends: Backends): LoyaltyCheckout {
  return {
    quote: async (ctx, cart, contactId, evaluation) => {
      const points = cart.pay.points;
      const inPoints = new Set(cart.pay.linesInPoints);
      if (!contactId) {
        if (points || inPoints.size) throw new DomainError('VALIDATION_FAILED', 'Paying with points needs a contact');
        return { rewardReductions: [], rewards: [], balance: null, payments: [], pointsEarnable: 0 };
      }
      let reply;
      try {
        reply = await backends.call(loyaltyCheckoutQuote, ctx, {
          contactId,
          ...(points?.programId ? { programId: points.programId } : {}),
          channel: cart.channel,
          ...(cart.pointOfSale ? { pointOfSale: cart.pointOfSale } : {}),
          currency: cart.currency,
          lines: evaluation.lines.map((l) => {
            const line = cart.lines.find((c) => c.lineId === l.lineId)!;
            return {
              lineId: l.lineId,
              productId: line.productId,
              productFamily: line.productFamily,
              ...(line.sectionId ? { sectionId: line.sectionId } : {}),
              quantity: l.quantity,
              priceMinor: l.priceMinor,
              payInPoints: inPoints.has(l.lineId),
            };
          }),
          pointsToUse: points?.points ?? 0,
        });
      } catch (e) {
        // A tenant without a loyalty program still sells; asking to pay with points there is an error.
        if (e instanceof DomainError && e.code === 'PROGRAM_NOT_FOUND' && !points && !inPoints.size) {
          return { rewardReductions: [], rewards: [], balance: null, payments: [], pointsEarnable: 0 };
        }
        throw e;
      }
      const account = reply.account;
      // A line bought in points is paid its whole price (after rewards) with the product's points price.
      const cutFor = (lineId: string) => reply.rewards.reduce((s, r) => s + r.lines.filter((l) => l.lineId === lineId).reduce((t, l) => t + l.amountMinor, 0), 0);
      const linesInPoints = reply.pointsPriced
        .map((p) => ({
          method: 'points' as const,
          amountMinor: Math.max(0, (evaluation.lines.find((l) => l.lineId === p.lineId)?.priceMinor ?? 0) - cutFor(p.lineId)),
          points: p.points,
          ref: p.lineId,
        }))
        .filter((p) => p.amountMinor > 0);
      const needed = (points?.points ?? 0) + linesInPoints.reduce((s, p) => s + p.points, 0);
      if (needed > 0 && (!account || account.balance < needed)) {
        const balance = account?.balance ?? 0;
        throw new DomainError('INSUFFICIENT_POINTS', `The account has ${pointsCount(account?.wording ?? {}, balance)}, ${needed} asked`, { balance });
      }
      if (needed > 0 && reply.pointsValue.currency !== cart.currency) {
        throw new DomainError('VALIDATION_FAILED', `The loyalty program counts in ${reply.pointsValue.currency}, the cart in ${cart.currency}`);
      }
      return {
        rewardReductions: reply.rewards.flatMap((r) =>
          r.lines.map((l) => ({ lineId: l.lineId, source: 'reward' as const, ref: r.rewardId, amountMinor: l.amountMinor, fundedBy: r.fundedBy, label: r.name })),
        ),
        rewards: reply.rewards.map((r) => ({ rewardId: r.rewardId, name: r.name, amountMinor: r.lines.reduce((s, l) => s + l.amountMinor, 0) })),
        balance: account
          ? { points: account.balance, valueMinor: account.balanceValue.amountMinor, wording: pointsWord(account.wording, account.balance) }
          : null,
        payments: [...(points && reply.pointsValue.amountMinor > 0 ? [{ method: 'points' as const, amountMinor: reply.pointsValue.amountMinor, points: points.points }] : []), ...linesInPoints],
        pointsEarnable: reply.pointsEarnable,
      };
    },
    steps: (ctx: RequestContext, saga) => {
      const points = saga.cart.pay.points;
      const contactId = saga.contactId;
      const orderId = saga.orderId;
      const rewardIds = saga.priced.rewards.map((r) => r.rewardId);
      // The rewards the quote applied are held too: a one-time reward goes to one order only.
      const rewards =
        contactId && rewardIds.length
          ? [
              {
                name: 'rewards',
                hold: () => backends.call(loyaltyRewardsHold, ctx, { orderId, contactId, rewardIds, ttlSeconds: HOLD_TTL_SECONDS + 300 }),
                capture: async () => void (await backends.call(loyaltyRewardsCapture, ctx, { orderId })),
                release: async () => void (await backends.call(loyaltyRewardsRelease, ctx, { orderId })),
              },
            ]
          : [];
      // Points paying part of the order and products bought with their points price, held as one;
      // loyalty prices the products itself. A line whose price rewards brought to zero is not paid.
      const paidInPoints = saga.priced.payments.filter((p) => p.method === 'points');
      const partPoints = paidInPoints.filter((p) => !p.ref).reduce((s, p) => s + (p.points ?? 0), 0);
      const products = saga.cart.lines
        .filter((l) => paidInPoints.some((p) => p.ref === l.lineId))
        .map((l) => ({ productId: l.productId, quantity: l.quantity }));
      if ((!partPoints && !products.length) || !contactId) return rewards;
      return [
        ...rewards,
        {
          name: 'points',
          hold: async () => {
            const held = await backends.call(loyaltyPointsHold, ctx, {
              orderId,
              contactId,
              ...(points?.programId ? { programId: points.programId } : {}),
              points: partPoints,
              products,
              ttlSeconds: HOLD_TTL_SECONDS + 300,
            });
            // Loyalty prices the products at hold time: a points price changed since the quote
            // would take another number of points than the fan agreed to (and the order's payment
            // lines would say otherwise), so the order is refused and quoted again.
            const quoted = paidInPoints.reduce((s, p) => s + (p.points ?? 0), 0);
            if (held.points !== quoted) {
              await backends.call(loyaltyPointsRelease, ctx, { orderId });
              // The program's wording is not at hand here: plain points, in the right number.
              throw new DomainError('POINTS_PRICE_CHANGED', `The quote took ${pointsCount({}, quoted)}, the products now take ${held.points}`, { quotedPoints: quoted, points: held.points });
            }
            return held;
          },
          capture: async () => void (await backends.call(loyaltyPointsCapture, ctx, { orderId })),
          release: async () => void (await backends.call(loyaltyPointsRelease, ctx, { orderId })),
        },
      ];
    },
  };
}
