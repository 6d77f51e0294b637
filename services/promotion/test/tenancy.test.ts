import * as c from '@tlp/contracts';
import { contextToHeaders } from '@tlp/contracts';
import { newId } from '@tlp/platform';
import { eventually, testContext } from '@tlp/testkit';
import { codesFor, command, line, liveAdvantage, startPromotion, type Harness } from './fixtures';

const A = 'tenant-a';
const B = 'tenant-b';
let h: Harness;
let advantageId: string;
let partnerAdvantageId: string;
let promoCodeId: string;
let batchId: string;
let code: string;

beforeAll(async () => {
  h = await startPromotion('promotion tenancy');
  const adv = await liveAdvantage(h.bus, A, { target: { type: 'single-use-codes' }, quota: 10, prices: [{ productId: 'concert', priceMinor: 5000, currency: 'EUR' }] });
  advantageId = adv.advantageId;
  partnerAdvantageId = (await liveAdvantage(h.bus, A, { target: { type: 'contacts' }, prices: [{ productId: 'concert', priceMinor: 4000, currency: 'EUR' }] })).advantageId;
  await liveAdvantage(h.bus, A, { target: { type: 'partner', accessCode: 'ONLY-A' }, prices: [{ productId: 'concert', priceMinor: 4500, currency: 'EUR' }] });
  const promo = await h.bus.request(c.createPromoCode, command(A), {
    accessCode: 'PROMO-A',
    names: { internal: { fr: 'A' }, public: { fr: 'A' } },
    discount: { kind: 'percent', basisPoints: 1000 },
  });
  promoCodeId = promo.promoCodeId;
  await h.bus.request(c.transitionPromoCode, testContext(A), { promoCodeId, to: 'in-operation' });
  const batch = await h.bus.request(c.generateCodes, command(A), { advantageId, contactId: 'SECUTX', count: 3 });
  batchId = batch.batchId;
  code = (await codesFor(h, A, advantageId, 1))[0]!;
  await h.bus.request(c.placeHold, testContext(A), { orderId: 'order-a', cart: { channel: 'web', lines: [line()], codes: [code!] } });
});
afterAll(() => h.stop());

const asB = () => testContext(B);
const fails = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

describe('tenant isolation', () => {
  it("another tenant's objects are NOT_FOUND on every subject that names one", async () => {
    const results = {
      advantageGet: await fails(h.bus.request(c.getAdvantage, asB(), { advantageId })),
      advantageTransition: await fails(h.bus.request(c.transitionAdvantage, asB(), { advantageId, to: 'closed' })),
      advantageUpdate: await fails(h.bus.request(c.updateAdvantage, asB(), { advantageId, names: { internal: { fr: 'B' }, public: { fr: 'B' } } })),
      targets: await fails(h.bus.request(c.changeTargetList, asB(), { advantageId: partnerAdvantageId, mode: 'add', contactIds: ['x'] })),
      promoGet: await fails(h.bus.request(c.getPromoCode, asB(), { promoCodeId })),
      promoTransition: await fails(h.bus.request(c.transitionPromoCode, asB(), { promoCodeId, to: 'closed' })),
      promoUpdate: await fails(h.bus.request(c.updatePromoCode, asB(), { promoCodeId, maxUses: 1 })),
      capture: await fails(h.bus.request(c.captureHold, asB(), { orderId: 'order-a' })),
      release: await fails(h.bus.request(c.releaseHold, asB(), { orderId: 'order-a' })),
      generate: await fails(h.bus.request(c.generateCodes, command(B), { advantageId, contactId: 'x', count: 1 })),
      batchGet: await fails(h.bus.request(c.getCodeBatch, asB(), { batchId })),
      batchCsv: await fails(h.bus.request(c.downloadCodeBatch, asB(), { batchId })),
      codeGet: await fails(h.bus.request(c.getCode, asB(), { code })),
      codeList: await fails(h.bus.request(c.listCodes, asB(), { batchId })),
      invalidateBatch: await fails(h.bus.request(c.invalidateCodes, asB(), { batchId })),
    };
    expect(results).toEqual(Object.fromEntries(Object.keys(results).map((k) => [k, 'NOT_FOUND'])));
  });

  it("another tenant's codes are unknown codes, and lists, quotes and the dashboard show nothing of A", async () => {
    const cart = (codes: string[]) => ({ channel: 'web', lines: [line()], codes });
    for (const typed of [[code], ['ONLY-A'], ['PROMO-A']]) {
      await expect(h.bus.request(c.evaluateCart, asB(), { cart: cart(typed) })).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
      await expect(h.bus.request(c.placeHold, asB(), { orderId: `b-${typed[0]}`, cart: cart(typed) })).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
    }
    await expect(h.bus.request(c.invalidateCodes, asB(), { codes: [code] })).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
    const quote = await h.bus.request(c.evaluateCart, asB(), { cart: cart([]) });
    expect(quote).toMatchObject({ totalMinor: 8000, advantages: [], notApplied: [] });
    expect(await h.bus.request(c.listAdvantages, asB(), {})).toEqual({ advantages: [] });
    expect((await h.bus.request(c.codeDashboard, asB(), { season: '2025-2026' })).rows).toEqual([]);
    // A's own view is untouched.
    expect((await h.bus.request(c.getCode, testContext(A), { code })).state).toBe('held');
    expect((await h.bus.request(c.getAdvantage, testContext(A), { advantageId })).state).toBe('in-operation');
    expect((await h.bus.request(c.getPromoCode, testContext(A), { promoCodeId })).state).toBe('in-operation');
    expect((await h.bus.request(c.codeDashboard, testContext(A), { season: '2025-2026' })).totals.generated).toBe(4);
    // Access codes are unique per tenant: B may use the same words for its own promo code.
    const own = await h.bus.request(c.createPromoCode, command(B), { accessCode: 'PROMO-A', names: { internal: { fr: 'B' }, public: { fr: 'B' } }, discount: { kind: 'percent', basisPoints: 500 } });
    expect(own.promoCodeId).not.toBe(promoCodeId);
  });
});

describe('tenant isolation of the events consumed', () => {
  it("a ticket scanned in another tenant's name with A's code is not counted on A's code", async () => {
    const scan = async (tenantId: string, ticketId: string) => {
      const envelope = {
        id: newId(),
        tenantId,
        occurredAt: new Date().toISOString(),
        type: c.TicketScanned.type,
        data: { ticketId, performanceId: 'perf-1', productId: 'concert', singleUseCode: code, scannedAt: new Date().toISOString() },
      };
      await h.nc.jetstream().publish(`${h.iso.subjectPrefix}${c.TicketScanned.type}`, c.jsonCodec.encode(envelope), { msgID: envelope.id });
    };
    await scan(B, 'ticket-b');
    // Consumed in order: once A's own scan counts, B's was handled before it.
    await scan(A, 'ticket-a');
    const tracked = await eventually(async () => {
      const t = await h.bus.request(c.getCode, testContext(A), { code });
      return t.ticketsScanned > 0 ? t : undefined;
    });
    expect(tracked.ticketsScanned).toBe(1);
  });
});

describe('bad input gets a typed error and changes nothing', () => {
  it('an unknown code in a hold holds nothing', async () => {
    const before = await h.bus.request(c.getAdvantage, testContext(A), { advantageId });
    await expect(
      h.bus.request(c.placeHold, testContext(A), { orderId: 'bad-1', cart: { channel: 'web', lines: [line()], codes: ['NOSUCHCODE'] } }),
    ).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
    await expect(h.bus.request(c.captureHold, testContext(A), { orderId: 'bad-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await h.bus.request(c.getAdvantage, testContext(A), { advantageId })).quotaTaken).toBe(before.quotaTaken);
  });

  it('a cart of mixed currencies is refused before anything is held', async () => {
    const [fresh] = await codesFor(h, A, advantageId, 1);
    const cart = { channel: 'web', lines: [line(), line({ lineId: 'l2', currency: 'CHF' })], codes: [fresh!] };
    await expect(h.bus.request(c.evaluateCart, testContext(A), { cart })).rejects.toMatchObject({ code: 'PROMOTION_MIXED_CURRENCIES' });
    await expect(h.bus.request(c.placeHold, testContext(A), { orderId: 'bad-2', cart })).rejects.toMatchObject({ code: 'PROMOTION_MIXED_CURRENCIES' });
    expect((await h.bus.request(c.getCode, testContext(A), { code: fresh! })).state).toBe('available');
    await expect(h.bus.request(c.releaseHold, testContext(A), { orderId: 'bad-2' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a negative price is refused by the service itself, not only by the client', async () => {
    const payload = { orderId: 'bad-3', cart: { channel: 'web', lines: [line({ unitPriceMinor: -100 })] } };
    const reply = await h.nc.request(`${h.iso.subjectPrefix}${c.placeHold.subject}`, c.jsonCodec.encode(payload), {
      timeout: 5000,
      headers: contextToHeaders(testContext(A)),
    });
    expect(c.jsonCodec.decode(reply.data)).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    await expect(h.bus.request(c.releaseHold, testContext(A), { orderId: 'bad-3' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
