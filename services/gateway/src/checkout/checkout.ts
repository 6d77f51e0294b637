import {
  balancesOfContact,
  captureHold,
  creditNotesCapture,
  creditNotesConvert,
  creditNotesCredit,
  creditNotesBalance,
  creditNotesHold,
  creditNotesRelease,
  DomainError,
  evaluateCart,
  OrderCompleted,
  OrderRefunded,
  partnersList,
  placeHold,
  releaseHold,
  spendCapture,
  spendHold,
  spendRelease,
  vouchersCapture,
  vouchersHold,
  vouchersRelease,
  type Cart,
  type Evaluation,
  type RequestContext,
} from '@tlp/contracts';
import { enqueueEvents, ShortLivedCopies, type Logger, type NewEvent } from '@tlp/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { Backends } from '../backends';
import { allocatePayments, refundedReductions, type CheckoutCart, type PaymentLine, type Quote, type RefundedReduction, type RefundRequest } from './cart';
import type { HoldStep, SagaPorts, SagaRecord } from './saga';

export const HOLD_TTL_SECONDS = 900;

/** What loyalty adds to a checkout: rewards applied automatically, points balance, paying with points. */
export interface LoyaltyCheckout {
  quote(
    ctx: RequestContext,
    cart: CheckoutCart,
    contactId: string | null,
    evaluation: Evaluation,
  ): Promise<{
    rewardReductions: (Quote['lines'][number]['reductions'][number] & { lineId: string })[];
    rewards: Quote['rewards'];
    balance: Quote['balances']['points'];
    payments: PaymentLine[];
    pointsEarnable: number;
  }>;
  steps(ctx: RequestContext, saga: SagaRecord<CheckoutCart, Quote>): HoldStep[];
}

/** The cart as the promotion service prices it. */
function promotionCart(cart: CheckoutCart, contactId: string | null): Cart {
  return {
    channel: cart.channel,
    ...(cart.pointOfSale ? { pointOfSale: cart.pointOfSale } : {}),
    ...(contactId ? { contact: { contactId, indicators: cart.indicators } } : {}),
    lines: cart.lines.map(({ seats: _seats, sectionId: _section, beneficiaryContactId: _b, ...line }) => ({ ...line, currency: cart.currency })),
    codes: cart.codes,
  } as Cart;
}

type CreditNoteBalance = Pick<Quote['balances'], 'creditNoteMinor' | 'creditNoteUnavailable'>;
type PartnerBalances = Pick<Quote['balances'], 'partners' | 'partnersUnavailable'>;

/** A service or partner that could not answer (down, timed out, breaker open), as opposed to one that said no. */
const isUnavailable = (e: unknown) => e instanceof DomainError && (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT');

/**
 * The checkout across services: the quote reads from each, the hold takes what the quote
 * priced, the confirm captures and publishes the order. Each service is addressed by order id,
 * so every step can be repeated after a crash.
 */
export class Checkout implements SagaPorts<CheckoutCart, Quote> {
  /** Whether each tenant has an active loyalty partner: most venues have none, and their quotes need not ask. */
  private readonly partnerTenants: ShortLivedCopies<boolean>;

  constructor(
    private readonly backends: Backends,
    private readonly db: DataSource,
    private readonly loyalty: LoyaltyCheckout,
    private readonly log: Logger,
    /** How long a tenant's "has an active partner" is kept: a partner activated shows in quotes this much later at most. */
    partnersKeptMs = 1000,
  ) {
    this.partnerTenants = new ShortLivedCopies(partnersKeptMs);
  }

  async quote(ctx: RequestContext, cart: CheckoutCart, contactId: string | null): Promise<Quote> {
    const balances = contactId
      ? Promise.all([this.creditNoteBalance(ctx, contactId, cart), this.partnerBalances(ctx, contactId)])
      : Promise.resolve([
          { creditNoteMinor: 0, creditNoteUnavailable: false },
          { partners: [], partnersUnavailable: [] },
        ] as [CreditNoteBalance, PartnerBalances]);
    // Balances do not depend on the prices: they are asked while promotion and loyalty price the cart.
    balances.catch(() => undefined);
    const evaluation: Evaluation = await this.backends.call(evaluateCart, ctx, { cart: promotionCart(cart, contactId) });
    const loyalty = await this.loyalty.quote(ctx, cart, contactId, evaluation);
    const lines = evaluation.lines.map((l) => {
      const rewardCut = loyalty.rewardReductions.filter((r) => r.lineId === l.lineId);
      const cut = rewardCut.reduce((s, r) => s + r.amountMinor, 0);
      return {
        lineId: l.lineId,
        productId: cart.lines.find((c) => c.lineId === l.lineId)?.productId ?? '',
        quantity: l.quantity,
        unitPriceMinor: l.unitPriceMinor,
        originalMinor: l.originalMinor,
        priceMinor: Math.max(0, l.priceMinor - cut),
        reductions: [...l.reductions, ...rewardCut.map(({ lineId: _l, ...r }) => r)],
      };
    });
    const subtotalMinor = lines.reduce((s, l) => s + l.originalMinor, 0);
    const totalMinor = lines.reduce((s, l) => s + l.priceMinor, 0);
    const [creditNote, partnerBalances] = await balances;
    const { creditNoteMinor } = creditNote;
    const payments: PaymentLine[] = [...loyalty.payments];
    for (const v of cart.pay.vouchers) payments.push({ method: 'voucher', amountMinor: v.amountMinor, ref: `…${v.code.slice(-4)}` });
    if (cart.pay.creditNoteMinor) {
      if (!contactId) throw new DomainError('VALIDATION_FAILED', 'Paying with the credit note needs a contact');
      if (cart.pay.creditNoteMinor > creditNoteMinor) {
        throw new DomainError('VOUCHER_INSUFFICIENT_BALANCE', 'The credit note balance is too low for this amount', { balanceMinor: creditNoteMinor });
      }
      payments.push({ method: 'credit-note', amountMinor: cart.pay.creditNoteMinor });
    }
    if (cart.pay.partnerPoints) {
      if (!contactId) throw new DomainError('VALIDATION_FAILED', 'Paying with partner points needs a contact');
      payments.push({ method: 'partner-points', amountMinor: cart.pay.partnerPoints.amountMinor, ref: cart.pay.partnerPoints.partnerId });
    }
    const { amountDueMinor, overBy } = allocatePayments(totalMinor, payments);
    if (overBy > 0) throw new DomainError('PAYMENT_EXCEEDS_TOTAL', `The chosen payments exceed the total by ${overBy} minor units`, { overByMinor: overBy });
    return {
      currency: cart.currency,
      lines,
      subtotalMinor,
      discountMinor: subtotalMinor - totalMinor,
      totalBeforeRewardsMinor: evaluation.totalMinor,
      totalMinor,
      payments,
      amountDueMinor,
      notApplied: evaluation.notApplied,
      balances: { points: loyalty.balance, ...creditNote, ...partnerBalances },
      rewards: loyalty.rewards,
      pointsEarnable: loyalty.pointsEarnable,
    };
  }

  /**
   * The credit note's balance for the tooltip. The voucher service not answering leaves it out
   * of the quote, marked unavailable, rather than failing it: the fan can still buy and pay
   * another way. Paying with the credit note needs its balance, so that quote fails (503).
   */
  private async creditNoteBalance(ctx: RequestContext, contactId: string, cart: CheckoutCart): Promise<CreditNoteBalance> {
    try {
      const { balanceMinor } = await this.backends.call(creditNotesBalance, ctx, { contactId, currency: cart.currency });
      return { creditNoteMinor: balanceMinor, creditNoteUnavailable: false };
    } catch (e) {
      if (!isUnavailable(e) || cart.pay.creditNoteMinor) throw e;
      this.log.warn({ err: (e as Error).message, tenantId: ctx.tenantId, requestId: ctx.requestId }, 'voucher did not answer a quote: credit note left out');
      return { creditNoteMinor: 0, creditNoteUnavailable: true };
    }
  }

  /**
   * Partner points for the tooltip, in one request to partner-sync: a partner that is down shows
   * its last balance, marked stale, or, with none known, is listed as unavailable; a contact who
   * is not a partner's member, or a partner refusing, leaves that partner out. Partner-sync itself
   * not answering leaves the partners out of this quote rather than failing it: partner points
   * are one way to pay among others, and the hold asks partner-sync again if the fan uses them.
   */
  private async partnerBalances(ctx: RequestContext, contactId: string): Promise<PartnerBalances> {
    try {
      if (!(await this.hasActivePartner(ctx))) return { partners: [], partnersUnavailable: [] };
      const { balances, unavailable } = await this.backends.call(balancesOfContact, ctx, { contactId });
      return {
        partners: balances.map((b) => ({ partnerId: b.partnerId, points: b.points, valueMinor: b.value.amountMinor, stale: b.stale })),
        partnersUnavailable: unavailable,
      };
    } catch (e) {
      if (!isUnavailable(e)) throw e;
      this.log.warn({ err: (e as Error).message, tenantId: ctx.tenantId, requestId: ctx.requestId }, 'partner-sync did not answer a quote: partner points left out');
      return { partners: [], partnersUnavailable: [] };
    }
  }

  /**
   * Asked of partner-sync once a second per tenant, as the gateway's own question (no fan as the
   * actor). When it cannot say, the quote asks for the balances anyway, as before.
   */
  private hasActivePartner(ctx: RequestContext): Promise<boolean> {
    return this.partnerTenants
      .get(ctx.tenantId, async () => (await this.backends.call(partnersList, { tenantId: ctx.tenantId, requestId: ctx.requestId }, {})).partners.some((p) => p.active))
      .catch(() => true);
  }

  stepsFor(ctx: RequestContext, saga: SagaRecord<CheckoutCart, Quote>): HoldStep[] {
    const { orderId, cart, priced } = saga;
    const contactId = saga.contactId;
    const steps: HoldStep[] = [
      {
        name: 'promotion',
        hold: () =>
          this.backends.call(placeHold, ctx, {
            orderId,
            cart: promotionCart(cart, contactId),
            expectedTotalMinor: priced.totalBeforeRewardsMinor,
            ttlSeconds: HOLD_TTL_SECONDS + 300,
          }),
        capture: async () => void (await this.backends.call(captureHold, ctx, { orderId })),
        release: async () => void (await this.backends.call(releaseHold, ctx, { orderId })),
      },
      ...this.loyalty.steps(ctx, saga),
    ];
    cart.pay.vouchers.forEach((v, n) => {
      steps.push({
        name: `voucher-${n + 1}`,
        hold: () => this.backends.call(vouchersHold, ctx, { orderId, code: v.code, ...(v.pin ? { pin: v.pin } : {}), amountMinor: v.amountMinor, currency: cart.currency, ttlSeconds: HOLD_TTL_SECONDS + 300 }),
        capture: async (detail) => void (await this.backends.call(vouchersCapture, ctx, { orderId, ...voucherOf(detail) })),
        release: async (detail) => void (await this.backends.call(vouchersRelease, ctx, { orderId, ...voucherOf(detail) })),
      });
    });
    if (cart.pay.creditNoteMinor && contactId) {
      const amountMinor = cart.pay.creditNoteMinor;
      steps.push({
        name: 'credit-note',
        hold: () => this.backends.call(creditNotesHold, ctx, { orderId, contactId, amountMinor, currency: cart.currency, ttlSeconds: HOLD_TTL_SECONDS + 300 }),
        capture: async () => void (await this.backends.call(creditNotesCapture, ctx, { orderId })),
        release: async () => void (await this.backends.call(creditNotesRelease, ctx, { orderId })),
      });
    }
    const partner = cart.pay.partnerPoints;
    if (partner && contactId) {
      steps.push({
        name: 'partner-points',
        hold: () =>
          this.backends.call(spendHold, ctx, {
            partnerId: partner.partnerId,
            orderId,
            contactId,
            channel: cart.channel,
            ...(cart.pointOfSale ? { pointOfSale: cart.pointOfSale } : {}),
            amountMinor: partner.amountMinor,
            currency: cart.currency,
            lines: priced.lines.map((l) => ({
              lineId: l.lineId,
              productFamily: cart.lines.find((c) => c.lineId === l.lineId)!.productFamily,
              amountMinor: l.priceMinor,
            })),
          }),
        capture: async () => void (await this.backends.call(spendCapture, ctx, { orderId })),
        release: async () => void (await this.backends.call(spendRelease, ctx, { orderId })),
      });
    }
    return steps;
  }

  /** Releasing what was never held (a crash before the hold) is not an error. */


  completedEvents(saga: SagaRecord<CheckoutCart, Quote>): NewEvent[] {
    const { cart, priced } = saga;
    const payments: { method: PaymentLine['method'] | 'card'; amountMinor: number; ref?: string }[] = priced.payments.map((p) => ({
      method: p.method,
      amountMinor: p.amountMinor,
      ...(p.ref ? { ref: p.ref } : {}),
    }));
    if (priced.amountDueMinor > 0) payments.push({ method: 'card', amountMinor: priced.amountDueMinor });
    return [
      {
        contract: OrderCompleted,
        tenantId: saga.tenantId,
        data: {
          orderId: saga.orderId,
          ...(saga.contactId ? { contactId: saga.contactId } : {}),
          channel: cart.channel,
          ...(cart.pointOfSale ? { pointOfSale: cart.pointOfSale } : {}),
          currency: cart.currency,
          totalPaidMinor: priced.totalMinor,
          lines: priced.lines.map((l) => {
            const line = cart.lines.find((c) => c.lineId === l.lineId)!;
            return {
              lineId: l.lineId,
              productId: line.productId,
              productFamily: line.productFamily,
              ...(line.performanceId ? { performanceId: line.performanceId } : {}),
              ...(line.sectionId ? { sectionId: line.sectionId } : {}),
              ...(line.audienceSubcategory ? { audienceSubcategory: line.audienceSubcategory } : {}),
              ...(line.seatCategory ? { seatCategory: line.seatCategory } : {}),
              ...(line.beneficiaryContactId ? { beneficiaryContactId: line.beneficiaryContactId } : {}),
              quantity: l.quantity,
              unitPriceMinor: l.unitPriceMinor,
              paidMinor: l.priceMinor,
              reductions: l.reductions.map(({ label: _label, ...r }) => r),
              seats: line.seats,
            };
          }),
          payments,
          completedAt: new Date().toISOString(),
        },
      },
    ];
  }

  /**
   * A refund: what goes back to the credit note (including the part then turned into points,
   * seed 000's intermediate step) is credited there; the order event tells loyalty to reverse
   * earned points and partner-sync to report the reversal. Idempotent by refund id.
   */
  async refund(ctx: RequestContext, saga: SagaRecord<CheckoutCart, Quote>, request: RefundRequest): Promise<{ refundId: string; totalRefundedMinor: number; creditNoteMinor: number; pointsConvertedMinor: number }> {
    if (saga.state !== 'confirmed') throw new DomainError('ORDER_NOT_HELD', `Order ${saga.orderId} is ${saga.state}, not confirmed`);
    const total = request.lines.reduce((s, l) => s + l.amountMinor, 0);
    const { original, creditNote, points, partnerPoints } = request.split;
    if (original + creditNote + points + partnerPoints !== total) {
      throw new DomainError('VALIDATION_FAILED', `The split adds up to ${original + creditNote + points + partnerPoints}, not ${total}`);
    }
    const toCreditNote = creditNote + points;
    if (toCreditNote > 0 && !saga.contactId) throw new DomainError('VALIDATION_FAILED', 'A refund to the credit note needs the order to have a contact');

    const row = await this.db.transaction(async (tx) => {
      // Refunds of one order take turns on its saga row: two at once cannot both fit under what was paid.
      await tx.query(`SELECT 1 FROM checkout_sagas WHERE tenant_id = $1 AND order_id = $2 FOR UPDATE`, [ctx.tenantId, saga.orderId]);
      const [known] = (await tx.query(`SELECT order_id, state, result, reductions FROM checkout_refunds WHERE tenant_id = $1 AND refund_id = $2`, [
        ctx.tenantId,
        request.refundId,
      ])) as { order_id: string; state: string; result: unknown; reductions: RefundedReduction[] }[];
      if (known) return known;
      const before = await this.refundedSoFar(tx, ctx.tenantId, saga.orderId);
      for (const l of request.lines) {
        const paid = saga.priced.lines.find((p) => p.lineId === l.lineId);
        if (!paid) throw new DomainError('VALIDATION_FAILED', `Order ${saga.orderId} has no line ${l.lineId}`);
        const already = before.lines.get(l.lineId) ?? 0;
        if (already + l.amountMinor > paid.priceMinor) {
          throw new DomainError('REFUND_EXCEEDS_PAID', `Line ${l.lineId} was paid ${paid.priceMinor}; ${already} already refunded`);
        }
      }
      const paidWithPartner = saga.priced.payments.filter((p) => p.method === 'partner-points').reduce((s, p) => s + p.amountMinor, 0);
      if (before.partnerPoints + partnerPoints > paidWithPartner) {
        throw new DomainError('REFUND_EXCEEDS_PAID', `Only ${paidWithPartner} was paid with partner points; ${before.partnerPoints} already refunded in them`);
      }
      const reductions = refundedReductions(saga.priced.lines, before.lines, request.lines);
      // The same refund id sent for another order at the same moment: that order keeps it.
      const [inserted] = (await tx.query(
        `INSERT INTO checkout_refunds (tenant_id, order_id, refund_id, state, request, reductions) VALUES ($1, $2, $3, 'refunding', $4, $5) ON CONFLICT DO NOTHING RETURNING order_id`,
        [ctx.tenantId, saga.orderId, request.refundId, JSON.stringify(request), JSON.stringify(reductions)],
      )) as { order_id: string }[];
      return { order_id: inserted?.order_id ?? '', state: 'refunding', result: null, reductions };
    });
    if (row.order_id !== saga.orderId) throw new DomainError('CONFLICT', `Refund ${request.refundId} belongs to another order`);
    if (row.state === 'refunded') return row.result as Awaited<ReturnType<Checkout['refund']>>;

    if (toCreditNote > 0) {
      await this.backends.call(creditNotesCredit, ctx, {
        refundId: request.refundId,
        contactId: saga.contactId!,
        amountMinor: toCreditNote,
        currency: saga.cart.currency,
        orderId: saga.orderId,
      });
    }
    if (points > 0) {
      await this.backends.call(creditNotesConvert, ctx, {
        conversionId: `${request.refundId}:points`,
        contactId: saga.contactId!,
        amountMinor: points,
        currency: saga.cart.currency,
        ...(saga.cart.pay.points?.programId ? { programId: saga.cart.pay.points.programId } : {}),
      });
    }
    const result = { refundId: request.refundId, totalRefundedMinor: total, creditNoteMinor: creditNote, pointsConvertedMinor: points };
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE checkout_refunds SET state = 'refunded', result = $3 WHERE tenant_id = $1 AND refund_id = $2`, [
        ctx.tenantId,
        request.refundId,
        JSON.stringify(result),
      ]);
      const split = [
        { method: 'card' as const, amountMinor: original },
        { method: 'credit-note' as const, amountMinor: creditNote },
        { method: 'points' as const, amountMinor: points },
        { method: 'partner-points' as const, amountMinor: partnerPoints },
      ].filter((p) => p.amountMinor > 0);
      await enqueueEvents(tx, [
        {
          contract: OrderRefunded,
          tenantId: ctx.tenantId,
          data: {
            orderId: saga.orderId,
            refundId: request.refundId,
            ...(saga.contactId ? { contactId: saga.contactId } : {}),
            currency: saga.cart.currency,
            lines: request.lines,
            totalRefundedMinor: total,
            split,
            reductions: row.reductions,
            refundedAt: new Date().toISOString(),
          },
        },
      ]);
    });
    return result;
  }

  /** What earlier refunds of the order gave back, per line and in partner points. */
  private async refundedSoFar(tx: EntityManager, tenantId: string, orderId: string): Promise<{ lines: Map<string, number>; partnerPoints: number }> {
    const rows = (await tx.query(`SELECT request FROM checkout_refunds WHERE tenant_id = $1 AND order_id = $2`, [tenantId, orderId])) as { request: RefundRequest }[];
    const lines = new Map<string, number>();
    let partnerPoints = 0;
    for (const { request } of rows) {
      for (const l of request.lines) lines.set(l.lineId, (lines.get(l.lineId) ?? 0) + l.amountMinor);
      partnerPoints += request.split.partnerPoints;
    }
    return { lines, partnerPoints };
  }
}

const voucherOf = (detail: unknown): { voucherId?: string } => {
  const id = (detail as { accountId?: string } | null)?.accountId;
  return id ? { voucherId: id } : {};
};
