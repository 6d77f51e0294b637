import * as c from '@tlp/contracts';
import { testContext } from '@tlp/testkit';
import { command, line, liveAdvantage, startPromotion, type Harness } from './fixtures';

const A = 'tenant-edit';
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion edit');
});
afterAll(() => h.stop());

const ctx = () => testContext(A);
const fails = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);
const names = (text: string) => ({ internal: { fr: text }, public: { fr: text } });

describe('editing advantages', () => {
  it('changes a draft in every respect, and the change prices carts once it is in operation', async () => {
    const draft = await h.bus.request(c.createAdvantage, command(A), {
      season: '2025-2026',
      family: 'event',
      names: names('Brouillon'),
      target: { type: 'public' },
      prices: [{ productId: 'concert', priceMinor: 6000, currency: 'EUR' }],
    });
    const edited = await h.bus.request(c.updateAdvantage, ctx(), {
      advantageId: draft.advantageId,
      season: '2026-2027',
      family: 'package',
      names: names('Offre revue'),
      target: { type: 'indicator', indicator: 'fidelite', level: 'or' },
      quota: 50,
      fundedBy: 'promoter',
      prices: [{ productId: 'concert', priceMinor: 5500, currency: 'EUR' }],
    });
    expect(edited).toMatchObject({ season: '2026-2027', family: 'package', quota: 50, fundedBy: 'promoter', target: { type: 'indicator' }, state: 'draft' });
    const back = await h.bus.request(c.updateAdvantage, ctx(), { advantageId: draft.advantageId, target: { type: 'public' }, family: 'event' });
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: back.advantageId, to: 'in-operation' });
    const quote = await h.bus.request(c.evaluateCart, ctx(), { cart: { channel: 'web', lines: [line()], codes: [] } });
    expect(quote.lines[0]!.priceMinor).toBe(5500);
  });

  it('lets an advantage in operation change names, window end, prices and quota, but not what sales already rest on', async () => {
    const live = await liveAdvantage(h.bus, A, { quota: 5, prices: [{ productId: 'other', priceMinor: 3000, currency: 'EUR' }] });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'edit-hold', cart: { channel: 'web', lines: [line({ productId: 'other', quantity: 3 })], codes: [] } });
    const renamed = await h.bus.request(c.updateAdvantage, ctx(), {
      advantageId: live.advantageId,
      names: names('Nouveau nom'),
      validUntil: '2027-06-30T22:00:00.000Z',
      quota: 4,
      prices: [{ productId: 'other', priceMinor: 2800, currency: 'EUR' }],
    });
    expect(renamed).toMatchObject({ quota: 4, quotaTaken: 3, validUntil: '2027-06-30T22:00:00.000Z' });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, quota: 2 }))).toBe('PROMOTION_QUOTA_BELOW_TAKEN');
    for (const change of [{ season: '2030' }, { fundedBy: 'partner' as const }, { target: { type: 'contacts' as const } }, { validFrom: '2026-01-01T00:00:00.000Z' }]) {
      expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, ...change }))).toBe('PROMOTION_FIELD_LOCKED');
    }
    // Asking for what it already is changes nothing and is not refused.
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, season: live.season }))).toBe('ok');
    const after = await h.bus.request(c.getAdvantage, ctx(), { advantageId: live.advantageId });
    expect(after).toMatchObject({ season: live.season, fundedBy: live.fundedBy, quota: 4, names: names('Nouveau nom') });
  });

  it('refuses to change a closed advantage, a window out of order, and an unknown one', async () => {
    const live = await liveAdvantage(h.bus, A);
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, validUntil: '2000-01-01T00:00:00.000Z', validFrom: null }))).toBe('ok');
    await h.bus.request(c.transitionAdvantage, ctx(), { advantageId: live.advantageId, to: 'closed' });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: live.advantageId, names: names('Trop tard') }))).toBe('PROMOTION_ADVANTAGE_CLOSED');
    const draft = await h.bus.request(c.createAdvantage, command(A), {
      season: '2025-2026',
      family: 'event',
      names: names('Fenêtre'),
      target: { type: 'public' },
      validFrom: '2026-05-01T00:00:00.000Z',
      prices: [{ productId: 'concert', priceMinor: 6000, currency: 'EUR' }],
    });
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: draft.advantageId, validUntil: '2026-04-01T00:00:00.000Z' }))).toBe('VALIDATION_FAILED');
    expect(await fails(h.bus.request(c.updateAdvantage, ctx(), { advantageId: '0190aaaa-0000-7000-8000-000000000009', names: names('x') }))).toBe('NOT_FOUND');
  });
});
