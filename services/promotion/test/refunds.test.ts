import * as c from '@tlp/contracts';
import { newId } from '@tlp/platform';
import { eventually, testContext } from '@tlp/testkit';
import { codesFor, command, line, liveAdvantage, publishScan, startPromotion, type Harness } from './fixtures';

const TENANT = 'refund-venue';
const ctx = () => testContext(TENANT);
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion refunds');
});
afterAll(() => h.stop());

type Refund = c.EventData<typeof c.OrderRefunded>;

/** Publishes a refund as the gateway's outbox would; `sameEnvelope` redelivers an earlier one. */
async function publish(refund: Refund, sameEnvelope?: string): Promise<string> {
  const envelope = { id: sameEnvelope ?? newId(), tenantId: TENANT, occurredAt: new Date().toISOString(), type: c.OrderRefunded.type, data: refund };
  // No msgID: JetStream keeps every copy, so only the consumer's own dedupe stands between them.
  await h.nc.jetstream().publish(`${h.iso.subjectPrefix}${c.OrderRefunded.type}`, c.jsonCodec.encode(envelope));
  return envelope.id;
}

/** Waits until the consumer got past `refundId`: refunds are consumed in order, so everything before it is applied. */
async function appliedUpTo(refundId: string): Promise<void> {
  await eventually(async () => {
    const rows = (await h.service.deps.db.query(`SELECT 1 FROM applied_refunds WHERE tenant_id = $1 AND refund_id = $2`, [TENANT, refundId])) as unknown[];
    return rows.length ? true : undefined;
  });
}

/** What the gateway gives back of a line's reduction when `refunded` of its price `paid` is refunded in all (cumulative rounding down). */
const shareOf = (reductionMinor: number, refunded: number, paid: number) => Math.floor((reductionMinor * refunded) / paid);

describe('a refund gives back what the order took', () => {
  it('returns quota units line by line, and the code and the promo-code use once every line they reduced is refunded; a triple delivery returns once', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, quota: 5, prices: [{ productId: 'show', priceMinor: 5000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const promo = await h.bus.request(c.createPromoCode, command(TENANT), {
      accessCode: 'REFUND10',
      names: { internal: { fr: 'Dix' }, public: { fr: 'Dix' } },
      discount: { kind: 'fixed', amount: { amountMinor: 1000, currency: 'EUR' } },
      maxUses: 1,
    });
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: promo.promoCodeId, to: 'in-operation' });
    const cart = {
      channel: 'web',
      contact: { contactId: 'fan-1' },
      lines: [line({ productId: 'show', quantity: 3 }), line({ lineId: 'l2', productId: 'drink', unitPriceMinor: 2000 })],
      codes: [code!, 'REFUND10'],
    };
    const held = await h.bus.request(c.placeHold, ctx(), { orderId: 'refund-1', cart });
    await h.bus.request(c.captureHold, ctx(), { orderId: 'refund-1' });
    const [show, drink] = held.lines;
    const codeCut = show!.reductions.find((r) => r.source === 'single-use-code')!.amountMinor;
    const promoCut = (l: typeof show) => l!.reductions.find((r) => r.source === 'promo-code')!.amountMinor;
    const taken = async () => ({
      quota: (await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken,
      promoUses: (await h.bus.request(c.getPromoCode, ctx(), { promoCodeId: promo.promoCodeId })).usesTaken,
      code: (await h.bus.request(c.getCode, ctx(), { code: code! })).state,
    });
    expect(await taken()).toEqual({ quota: 3, promoUses: 1, code: 'used' });
    await publishScan(h, TENANT, 'refund-1-ticket-1', { orderId: 'refund-1' });
    await eventually(async () => ((await h.bus.request(c.getCode, ctx(), { code: code! })).ticketsScanned === 1 ? true : undefined));

    const refund = (refundId: string, lineId: string, amountMinor: number, reductions: Refund['reductions']): Refund => ({
      orderId: 'refund-1',
      refundId,
      contactId: 'fan-1',
      currency: 'EUR',
      lines: [{ lineId, amountMinor }],
      totalRefundedMinor: amountMinor,
      split: [{ method: 'card', amountMinor }],
      reductions,
      refundedAt: new Date().toISOString(),
    });
    // One ticket of three: a third of the line's price, and of each of its reductions.
    const oneTicket = Math.round(show!.priceMinor / 3);
    const first = refund('r-1', 'l1', oneTicket, [
      { source: 'single-use-code', ref: adv.advantageId, amountMinor: shareOf(codeCut, oneTicket, show!.priceMinor), fundedBy: 'organizer', lineId: 'l1' },
      { source: 'promo-code', ref: promo.promoCodeId, amountMinor: shareOf(promoCut(show), oneTicket, show!.priceMinor), fundedBy: 'organizer', lineId: 'l1' },
    ]);
    const envelopeId = await publish(first);
    await publish(first, envelopeId);
    await publish(first, envelopeId);
    // The same refund again under another event id (a gateway publishing it twice) gives nothing back either.
    await publish(first);
    await publish(refund('marker-1', 'nowhere', 1, []));
    await appliedUpTo('marker-1');
    expect(await taken()).toEqual({ quota: 2, promoUses: 1, code: 'used' });

    // The rest of the show line: its units and the code come back; the promo code still reduced the drink.
    const rest = show!.priceMinor - oneTicket;
    await publish(
      refund('r-2', 'l1', rest, [
        { source: 'single-use-code', ref: adv.advantageId, amountMinor: codeCut - shareOf(codeCut, oneTicket, show!.priceMinor), fundedBy: 'organizer', lineId: 'l1' },
        { source: 'promo-code', ref: promo.promoCodeId, amountMinor: promoCut(show) - shareOf(promoCut(show), oneTicket, show!.priceMinor), fundedBy: 'organizer', lineId: 'l1' },
      ]),
    );
    await appliedUpTo('r-2');
    expect(await taken()).toEqual({ quota: 0, promoUses: 1, code: 'available' });
    // Freed, the code no longer counts the refunded order's scanned tickets.
    expect(await h.bus.request(c.getCode, ctx(), { code: code! })).toMatchObject({ usedAt: null, usedBy: null, orderId: null, ticketsScanned: 0 });

    await publish(refund('r-3', 'l2', drink!.priceMinor, [{ source: 'promo-code', ref: promo.promoCodeId, amountMinor: promoCut(drink), fundedBy: 'organizer', lineId: 'l2' }]));
    await appliedUpTo('r-3');
    expect(await taken()).toEqual({ quota: 0, promoUses: 0, code: 'available' });

    // The order stays confirmed; the code and the promo use serve another order.
    expect((await h.bus.request(c.captureHold, ctx(), { orderId: 'refund-1' })).state).toBe('captured');
    await expect(h.bus.request(c.releaseHold, ctx(), { orderId: 'refund-1' })).rejects.toMatchObject({ code: 'PROMOTION_HOLD_CAPTURED' });
    const again = await h.bus.request(c.placeHold, ctx(), { orderId: 'refund-2', cart: { ...cart, contact: { contactId: 'fan-2' } } });
    expect(again.promoCodes).toHaveLength(1);
    await h.bus.request(c.captureHold, ctx(), { orderId: 'refund-2' });
    expect(await h.bus.request(c.getCode, ctx(), { code: code! })).toMatchObject({ state: 'used', usedBy: 'fan-2', orderId: 'refund-2' });
  });

  it("a refund of an order that held nothing here, or one in another tenant's name, gives back nothing", async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 2, prices: [{ productId: 'solo', priceMinor: 5000, currency: 'EUR' }] });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'solo-1', cart: { channel: 'web', lines: [line({ productId: 'solo' })], codes: [] } });
    await h.bus.request(c.captureHold, ctx(), { orderId: 'solo-1' });
    const full: Refund = {
      orderId: 'solo-1',
      refundId: 'solo-r1',
      currency: 'EUR',
      lines: [{ lineId: 'l1', amountMinor: 5000 }],
      totalRefundedMinor: 5000,
      split: [],
      reductions: [{ source: 'advantage', ref: adv.advantageId, amountMinor: 3000, fundedBy: 'organizer', lineId: 'l1' }],
      refundedAt: new Date().toISOString(),
    };
    const envelope = { id: newId(), tenantId: 'someone-else', occurredAt: new Date().toISOString(), type: c.OrderRefunded.type, data: full };
    await h.nc.jetstream().publish(`${h.iso.subjectPrefix}${c.OrderRefunded.type}`, c.jsonCodec.encode(envelope));
    await publish({ ...full, orderId: 'never-held', refundId: 'solo-r0' });
    await appliedUpTo('solo-r0');
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(1);
    await publish(full);
    await appliedUpTo('solo-r1');
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(0);
  });
});
