import * as c from '@tlp/contracts';
import { DomainError } from '@tlp/contracts';
import { eventually, testContext } from '@tlp/testkit';
import { sql } from '@tlp/platform';
import { giveBack, HOLD_COLUMNS, type HoldRow } from '../src/app/holds';
import { codesFor, line, liveAdvantage, startPromotion, type Harness } from './fixtures';

const TENANT = 'hold-venue';
const ctx = () => testContext(TENANT);
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion holds', { jobEveryMs: 100 });
});
afterAll(() => h.stop());

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'held',
    (e: unknown) => (e instanceof DomainError ? e.code : String(e)),
  );

const count = (xs: string[]) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [x]: (m[x] ?? 0) + 1 }), {});

describe('single-use codes under concurrency', () => {
  it('1,000 simultaneous holds of the same code: exactly one succeeds', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'solo', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        outcome(h.bus.request(c.placeHold, ctx(), { orderId: `race-${i}`, cart: { channel: 'web', lines: [line({ productId: 'solo' })], codes: [code!] } })),
      ),
    );
    expect(count(results)).toEqual({ held: 1, PROMOTION_CODE_NOT_AVAILABLE: 999 });
    const tracked = await h.bus.request(c.getCode, ctx(), { code: code! });
    expect(tracked.state).toBe('held');
  });
});

describe('quota under concurrency', () => {
  it('quota of 100 and 500 simultaneous holds: exactly 100 succeed', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 100, prices: [{ productId: 'quota', priceMinor: 1000, currency: 'EUR' }] });
    const cart = { channel: 'web', lines: [line({ productId: 'quota' })] };
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => outcome(h.bus.request(c.placeHold, ctx(), { orderId: `q-${i}`, cart, expectedTotalMinor: 1000 }))),
    );
    expect(count(results)).toEqual({ held: 100, PROMOTION_QUOTA_EXHAUSTED: 400 });
    const after = await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId });
    expect(after.quotaTaken).toBe(100);
  });
});

describe('release, expiry and capture', () => {
  it('a released hold frees the quota unit and the code again', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 1, target: { type: 'single-use-codes' }, prices: [{ productId: 'rel', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const cart = { channel: 'web', lines: [line({ productId: 'rel' })], codes: [code!] };
    await h.bus.request(c.placeHold, ctx(), { orderId: 'rel-1', cart, expectedTotalMinor: 1000 });
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'rel-2', cart })).rejects.toMatchObject({ code: 'PROMOTION_CODE_NOT_AVAILABLE' });
    const released = await h.bus.request(c.releaseHold, ctx(), { orderId: 'rel-1' });
    expect(released.state).toBe('released');
    expect(await h.bus.request(c.releaseHold, ctx(), { orderId: 'rel-1' })).toEqual(released);
    const again = await h.bus.request(c.placeHold, ctx(), { orderId: 'rel-3', cart, expectedTotalMinor: 1000 });
    expect(again.advantages).toEqual([{ advantageId: adv.advantageId, units: 1, lineIds: ['l1'], singleUseCode: code }]);
  });

  it('a release sent while the hold is still being written (the checkout timed out first) waits for it and gives the quota back', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 1, prices: [{ productId: 'late', priceMinor: 1000, currency: 'EUR' }] });
    const cart = { channel: 'web', lines: [line({ productId: 'late' })], codes: [] };
    // The advantage's row is locked elsewhere, so the hold stops half-way through its transaction.
    const db = h.service.deps.db;
    let unlock: (() => void) | undefined;
    const locking = db.transaction(async (tx) => {
      await tx.query(`SELECT id FROM advantages WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [TENANT, adv.advantageId]);
      await new Promise<void>((r) => (unlock = r));
    });
    await eventually(async () => (unlock ? true : undefined));
    const holding = h.bus.request(c.placeHold, ctx(), { orderId: 'late-1', cart });
    await new Promise((r) => setTimeout(r, 500));
    const releasing = h.bus.request(c.releaseHold, ctx(), { orderId: 'late-1' });
    await new Promise((r) => setTimeout(r, 300));
    unlock!();
    await locking;
    await holding;
    expect((await releasing).state).toBe('released');
    // The quota unit came back: another order can take it.
    const next = await h.bus.request(c.placeHold, ctx(), { orderId: 'late-2', cart });
    expect(next.advantages).toEqual([expect.objectContaining({ advantageId: adv.advantageId, units: 1 })]);
  });

  it('a hold that arrives after its order was released (the checkout gave up on it) is refused and takes nothing', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 1, prices: [{ productId: 'gone', priceMinor: 1000, currency: 'EUR' }] });
    const cart = { channel: 'web', lines: [line({ productId: 'gone' })], codes: [] };
    await expect(h.bus.request(c.releaseHold, ctx(), { orderId: 'gone-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'gone-1', cart })).rejects.toMatchObject({ code: 'PROMOTION_HOLD_CLOSED' });
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(0);
    // A hold placed before its release still replays as it was.
    const held = await h.bus.request(c.placeHold, ctx(), { orderId: 'gone-2', cart });
    await h.bus.request(c.releaseHold, ctx(), { orderId: 'gone-2' });
    expect(await h.bus.request(c.placeHold, ctx(), { orderId: 'gone-2', cart })).toEqual(held);
  });

  it('an expired hold frees the quota and the code without release, and cannot be captured', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 1, target: { type: 'single-use-codes' }, prices: [{ productId: 'exp', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const cart = { channel: 'web', lines: [line({ productId: 'exp' })], codes: [code!] };
    const held = await h.bus.request(c.placeHold, ctx(), { orderId: 'exp-1', cart, ttlSeconds: 60 });
    expect(held.holdExpiresAt).toBe(new Date(h.clock.now.getTime() + 60_000).toISOString());
    h.clock.advance(60_000);
    // At the expiry instant, before the job has run, another order may take the code and the unit.
    const taken = await h.bus.request(c.placeHold, ctx(), { orderId: 'exp-2', cart, expectedTotalMinor: 1000 });
    expect(taken.totalMinor).toBe(1000);
    await expect(h.bus.request(c.captureHold, ctx(), { orderId: 'exp-1' })).rejects.toMatchObject({ code: 'PROMOTION_HOLD_EXPIRED' });
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(1);
  });

  it('takes a code whose hold the expiry job is ending at that moment, without a deadlock', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'dl', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const cart = { channel: 'web', lines: [line({ productId: 'dl' })], codes: [code!] };
    await h.bus.request(c.placeHold, ctx(), { orderId: 'dl-1', cart, ttlSeconds: 60 });
    // The expiry job as it runs: due holds locked and ended first, then what they took given back. It
    // skips holds locked by others (SKIP LOCKED), so it may have the code's hold and not the
    // order's advantage hold, which the new checkout ends itself.
    let giveBackNow: (() => void) | undefined;
    const job = h.service.deps.db.transaction(async (tx) => {
      const ended = await sql<HoldRow>(tx, `UPDATE holds SET state = 'expired', settled_at = now() WHERE tenant_id = $1 AND order_id = 'dl-1' AND kind = 'single-use-code' AND state = 'held' RETURNING ${HOLD_COLUMNS}`, [TENANT]);
      await new Promise<void>((r) => (giveBackNow = r));
      await giveBack(tx, ended);
    });
    await eventually(async () => (giveBackNow ? true : undefined));
    h.clock.advance(60_000);
    const taking = h.bus.request(c.placeHold, ctx(), { orderId: 'dl-2', cart, expectedTotalMinor: 1000 });
    await new Promise((r) => setTimeout(r, 300));
    giveBackNow!();
    await expect(job).resolves.toBeUndefined();
    expect((await taking).totalMinor).toBe(1000);
    expect((await h.bus.request(c.getCode, ctx(), { code: code! })).state).toBe('held');
  });

  it('the expiry job gives back what an expired hold took', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { quota: 3, prices: [{ productId: 'job', priceMinor: 1000, currency: 'EUR' }] });
    await h.bus.request(c.placeHold, ctx(), { orderId: 'job-1', cart: { channel: 'web', lines: [line({ productId: 'job', quantity: 3 })] }, ttlSeconds: 5 });
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(3);
    h.clock.advance(4_000);
    await new Promise((r) => setTimeout(r, 400));
    expect((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken).toBe(3);
    h.clock.advance(1_000);
    await eventually(async () => ((await h.bus.request(c.getAdvantage, ctx(), { advantageId: adv.advantageId })).quotaTaken === 0 ? true : undefined));
    await expect(h.bus.request(c.captureHold, ctx(), { orderId: 'job-1' })).rejects.toMatchObject({ code: 'PROMOTION_HOLD_EXPIRED' });
  });

  it('capture marks the code used with the contact and time, once, and shows in the dashboard', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, {
      season: 'dash-season',
      target: { type: 'single-use-codes' },
      fundedBy: 'partner',
      prices: [{ productId: 'cap', priceMinor: 1000, currency: 'EUR' }],
    });
    const codes = await codesFor(h, TENANT, adv.advantageId, 3, 'SECUTX');
    const sub = h.nc.subscribe(`${h.iso.subjectPrefix}evt.promotion.holds-captured`, { max: 1 });
    const cart = { channel: 'web', contact: { contactId: 'fan-7' }, lines: [line({ productId: 'cap', quantity: 2 })], codes: [codes[0]!] };
    const held = await h.bus.request(c.placeHold, ctx(), { orderId: 'cap-1', cart });
    expect(held.lines[0]?.reductions).toEqual([{ source: 'single-use-code', ref: adv.advantageId, amountMinor: 14_000, fundedBy: 'partner' }]);
    expect(await h.bus.request(c.placeHold, ctx(), { orderId: 'cap-1', cart })).toEqual(held);
    const captured = await h.bus.request(c.captureHold, ctx(), { orderId: 'cap-1' });
    expect(captured.state).toBe('captured');
    expect(await h.bus.request(c.captureHold, ctx(), { orderId: 'cap-1' })).toEqual(captured);
    await expect(h.bus.request(c.releaseHold, ctx(), { orderId: 'cap-1' })).rejects.toMatchObject({ code: 'PROMOTION_HOLD_CAPTURED' });

    const tracked = await h.bus.request(c.getCode, ctx(), { code: codes[0]! });
    expect(tracked).toMatchObject({ state: 'used', usedBy: 'fan-7', orderId: 'cap-1', usedAt: h.clock.now.toISOString() });
    for await (const m of sub) {
      expect(c.jsonCodec.decode(m.data)).toMatchObject({ type: 'evt.promotion.holds-captured', data: { orderId: 'cap-1', singleUseCodes: [codes[0]] } });
    }
    const used = await h.bus.request(c.listCodes, ctx(), { batchId: tracked.batchId, state: 'used' });
    expect(used.codes).toEqual([expect.objectContaining({ code: codes[0], state: 'used', usedBy: 'fan-7', usedAt: h.clock.now.toISOString(), orderId: 'cap-1' })]);
    const board = await h.bus.request(c.codeDashboard, ctx(), { season: 'dash-season', perContact: true });
    expect(board.rows).toEqual([
      { contactId: 'SECUTX', advantageId: adv.advantageId, advantageName: adv.names.public, generated: 3, available: 2, used: 1, ticketsScanned: 0, invalidated: 0 },
    ]);
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'cap-2', cart })).rejects.toMatchObject({ code: 'PROMOTION_CODE_NOT_AVAILABLE' });
  });

  it('a code invalidated after generation can no longer be held', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'inv', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    const reply = await h.bus.request(c.invalidateCodes, ctx(), { codes: [code!] });
    expect(reply).toEqual({ invalidated: 1, skipped: [] });
    const cart = { channel: 'web', lines: [line({ productId: 'inv' })], codes: [code!] };
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'inv-1', cart })).rejects.toMatchObject({ code: 'PROMOTION_CODE_NOT_AVAILABLE' });
    const quote = await h.bus.request(c.evaluateCart, ctx(), { cart });
    expect(quote.notApplied).toContainEqual({ kind: 'code', ref: code, lineId: null, reason: 'code-invalidated' });
  });

  it('promo-code uses are held and given back like quota units', async () => {
    const promo = await h.bus.request(c.createPromoCode, { ...ctx(), idempotencyKey: 'promo-hold' }, {
      accessCode: 'ONCE10',
      names: { internal: { fr: 'Une fois' }, public: { fr: 'Une fois' } },
      discount: { kind: 'fixed', amount: { amountMinor: 1000, currency: 'EUR' } },
      maxUses: 1,
      fundedBy: 'promoter',
    });
    await h.bus.request(c.transitionPromoCode, ctx(), { promoCodeId: promo.promoCodeId, to: 'in-operation' });
    const cart = { channel: 'web', lines: [line({ productId: 'other' })], codes: ['once10'] };
    const held = await h.bus.request(c.placeHold, ctx(), { orderId: 'pc-1', cart });
    expect(held.promoCodes).toEqual([{ promoCodeId: promo.promoCodeId, accessCode: 'ONCE10', amountMinor: 1000, fundedBy: 'promoter' }]);
    await expect(h.bus.request(c.placeHold, ctx(), { orderId: 'pc-2', cart })).rejects.toMatchObject({ code: 'PROMOTION_CODE_NOT_AVAILABLE' });
    await h.bus.request(c.releaseHold, ctx(), { orderId: 'pc-1' });
    expect((await h.bus.request(c.placeHold, ctx(), { orderId: 'pc-3', cart })).totalMinor).toBe(7000);
  });
});
