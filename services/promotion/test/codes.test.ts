import * as c from '@tlp/contracts';
import { newId } from '@tlp/platform';
import { randomBytes } from 'node:crypto';
import { writeChunk } from '../src/app/codes';
import { eventually, testContext } from '@tlp/testkit';
import { codesFor, command, line, liveAdvantage, publishScan, startPromotion, type Harness } from './fixtures';

const TENANT = 'codes-venue';
const ctx = () => testContext(TENANT);
let h: Harness;

beforeAll(async () => {
  h = await startPromotion('promotion codes');
});
afterAll(() => h.stop());

const scan = (ticketId: string, data: { orderId?: string; singleUseCode?: string }) => publishScan(h, TENANT, ticketId, data);

describe('generating single-use codes', () => {
  it('writes a large batch in chunks, all distinct and well-formed, and says so with an event a mailer can use', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'gen', priceMinor: 1000, currency: 'EUR' }] });
    const events = h.nc.subscribe(`${h.iso.subjectPrefix}evt.promotion.codes-generated`, { max: 1 });
    const cmd = command(TENANT);
    const batch = await h.bus.request(c.generateCodes, cmd, { advantageId: adv.advantageId, contactId: 'SECUTX', count: 60_000, locale: 'fr' });
    expect(batch).toMatchObject({ state: 'generating', generated: 50_000, count: 60_000 });
    for await (const m of events) {
      expect(c.jsonCodec.decode(m.data)).toMatchObject({
        type: 'evt.promotion.codes-generated',
        tenantId: TENANT,
        data: { batchId: batch.batchId, contactId: 'SECUTX', count: 60_000, locale: 'fr', csvSubject: 'promotion.v1.code-batches.csv' },
      });
    }
    expect(await h.bus.request(c.getCodeBatch, ctx(), { batchId: batch.batchId })).toMatchObject({ state: 'ready', generated: 60_000 });

    const seen = new Set<string>();
    let afterSeq = 0;
    let pages = 0;
    for (;;) {
      const page = await h.bus.request(c.downloadCodeBatch, ctx(), { batchId: batch.batchId, afterSeq, limit: 20_000 });
      const rows = page.csv.split('\n').filter((r) => r !== '');
      if (pages++ === 0) expect(rows.shift()).toBe('code,state,generated_at');
      for (const r of rows) seen.add(r);
      if (page.nextAfterSeq === null) break;
      afterSeq = page.nextAfterSeq;
    }
    expect(seen.size).toBe(60_000);
    const malformed = [...seen].filter((r) => !/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{13},available,\d{4}-/.test(r));
    expect(malformed).toEqual([]);

    // Repeating the request with the same key returns the same batch and writes nothing more.
    expect((await h.bus.request(c.generateCodes, cmd, { advantageId: adv.advantageId, contactId: 'SECUTX', count: 60_000, locale: 'fr' })).batchId).toBe(batch.batchId);
    const board = await h.bus.request(c.codeDashboard, ctx(), { season: '2025-2026', perContact: false });
    expect(board.rows.find((r) => r.advantageId === adv.advantageId)?.generated).toBe(60_000);
  });

  it('refuses without an idempotency key, for an advantage not targeted by codes, or an unknown advantage', async () => {
    const publicAdv = await liveAdvantage(h.bus, TENANT, { prices: [{ productId: 'pub', priceMinor: 1000, currency: 'EUR' }] });
    const input = { advantageId: publicAdv.advantageId, contactId: 'SECUTX', count: 10 };
    await expect(h.bus.request(c.generateCodes, ctx(), input)).rejects.toMatchObject({ code: 'PROMOTION_IDEMPOTENCY_KEY_REQUIRED' });
    await expect(h.bus.request(c.generateCodes, command(TENANT), input)).rejects.toMatchObject({ code: 'PROMOTION_NOT_SINGLE_USE' });
    await expect(h.bus.request(c.generateCodes, command(TENANT), { ...input, advantageId: newId() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('code collisions', () => {
  it('replaces a code that collides with an existing one, so the batch still gets every code, all distinct', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'coll', priceMinor: 1000, currency: 'EUR' }] });
    const [existing] = await codesFor(h, TENANT, adv.advantageId, 1);
    const batchId = newId();
    const db = h.service.deps.db;
    await db.query(
      `INSERT INTO code_batches (tenant_id, id, advantage_id, requested_by, count, locale, destination) VALUES ($1, $2, $3, 'SECUTX', 10, 'fr', 'download')`,
      [TENANT, batchId, adv.advantageId],
    );
    // The first draw yields ten copies of the code that already exists; later draws are random.
    const symbols = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
    const rigged = Buffer.from([...existing!].map((ch) => symbols.indexOf(ch)));
    let draws = 0;
    const random = (n: number) => (draws++ === 0 ? Buffer.concat(Array.from({ length: Math.ceil(n / 13) }, () => rigged)).subarray(0, n) : randomBytes(n));
    // The chunk row is written in the same transaction, as generateCodes does: committed alone, the
    // service's generation job could claim it and write its codes first.
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO code_batch_chunks (tenant_id, batch_id, chunk_no, size) VALUES ($1, $2, 0, 10)`, [TENANT, batchId]);
      await writeChunk(tx, { tenant_id: TENANT, batch_id: batchId, chunk_no: 0, size: 10 }, h.clock.now, random);
    });
    const page = await h.bus.request(c.listCodes, ctx(), { batchId });
    expect(page.codes.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(page.codes.map((x) => x.code)).size).toBe(10);
    expect(page.codes.map((x) => x.code)).not.toContain(existing);
    expect(await h.bus.request(c.getCodeBatch, ctx(), { batchId })).toMatchObject({ state: 'ready', generated: 10 });

    // Written again (as a second writer would), the chunk is refused at once rather than drawn for forever.
    const again = db.transaction((tx) => writeChunk(tx, { tenant_id: TENANT, batch_id: batchId, chunk_no: 0, size: 10 }, h.clock.now));
    await expect(again).rejects.toThrow(/written by another transaction/);
    expect(await h.bus.request(c.getCodeBatch, ctx(), { batchId })).toMatchObject({ state: 'ready', generated: 10 });
  }, 15_000);
});

describe('tracking, invalidation and the dashboard', () => {
  it("reproduces the seed's table: per requesting contact and advantage, with scanned tickets and totals", async () => {
    const adv = await liveAdvantage(h.bus, TENANT, {
      season: '2014-2015',
      names: { internal: { fr: 'Promo TYD' }, public: { fr: 'Promo TYD' } },
      target: { type: 'single-use-codes' },
      prices: [{ productId: 'dash', priceMinor: 1000, currency: 'EUR' }],
    });
    const secutix = await codesFor(h, TENANT, adv.advantageId, 150, 'SECUTX');
    const other = await codesFor(h, TENANT, adv.advantageId, 20, 'CLUB-42');

    const cart = { channel: 'web', contact: { contactId: 'fan-1' }, lines: [line({ productId: 'dash', quantity: 2 })], codes: [secutix[0]!] };
    await h.bus.request(c.placeHold, ctx(), { orderId: 'dash-1', cart });
    await h.bus.request(c.captureHold, ctx(), { orderId: 'dash-1' });

    const inv = await h.bus.request(c.invalidateCodes, ctx(), { codes: [other[0]!, other[1]!, secutix[0]!] });
    expect(inv).toEqual({ invalidated: 2, skipped: [{ code: secutix[0], state: 'used' }] });

    // Two tickets of the order scanned, one of them twice: two scanned tickets.
    await scan('t-1', { orderId: 'dash-1' });
    await scan('t-2', { singleUseCode: secutix[0]!.toLowerCase() });
    await scan('t-2', { singleUseCode: secutix[0] });
    await scan('t-3', { orderId: 'unrelated' });
    await eventually(async () => ((await h.bus.request(c.getCode, ctx(), { code: secutix[0]! })).ticketsScanned === 2 ? true : undefined));

    const board = await h.bus.request(c.codeDashboard, ctx(), { season: '2014-2015', perContact: true });
    expect(board.rows).toEqual([
      { contactId: 'CLUB-42', advantageId: adv.advantageId, advantageName: { fr: 'Promo TYD' }, generated: 20, available: 18, used: 0, ticketsScanned: 0, invalidated: 2 },
      { contactId: 'SECUTX', advantageId: adv.advantageId, advantageName: { fr: 'Promo TYD' }, generated: 150, available: 149, used: 1, ticketsScanned: 2, invalidated: 0 },
    ]);
    expect(board.totals).toEqual({ generated: 170, available: 167, used: 1, ticketsScanned: 2, invalidated: 2 });
    const overall = await h.bus.request(c.codeDashboard, ctx(), { season: '2014-2015', perContact: false });
    expect(overall.rows).toEqual([{ ...board.totals, contactId: null, advantageId: adv.advantageId, advantageName: { fr: 'Promo TYD' } }]);

    const used = await h.bus.request(c.getCode, ctx(), { code: secutix[0]! });
    expect(used).toMatchObject({ state: 'used', usedBy: 'fan-1', orderId: 'dash-1', usedAt: h.clock.now.toISOString(), requestedBy: 'SECUTX' });
  });

  it('invalidates a whole batch except what was used, and lists codes by state', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'batch', priceMinor: 1000, currency: 'EUR' }] });
    const batch = await h.bus.request(c.generateCodes, command(TENANT), { advantageId: adv.advantageId, contactId: 'SECUTX', count: 5 });
    const page = await h.bus.request(c.listCodes, ctx(), { batchId: batch.batchId });
    const first = page.codes[0]!.code;
    await h.bus.request(c.placeHold, ctx(), { orderId: 'batch-1', cart: { channel: 'web', lines: [line({ productId: 'batch' })], codes: [first] } });
    await h.bus.request(c.captureHold, ctx(), { orderId: 'batch-1' });
    expect(await h.bus.request(c.invalidateCodes, ctx(), { batchId: batch.batchId })).toEqual({ invalidated: 4, skipped: [] });
    const invalidated = await h.bus.request(c.listCodes, ctx(), { batchId: batch.batchId, state: 'invalidated' });
    expect(invalidated.codes).toHaveLength(4);
    expect(invalidated.codes.every((x) => x.invalidatedAt === h.clock.now.toISOString())).toBe(true);
    expect((await h.bus.request(c.listCodes, ctx(), { batchId: batch.batchId, state: 'used' })).codes.map((x) => x.code)).toEqual([first]);
  });

  it('refuses to invalidate unknown codes and changes nothing', async () => {
    const adv = await liveAdvantage(h.bus, TENANT, { target: { type: 'single-use-codes' }, prices: [{ productId: 'unk', priceMinor: 1000, currency: 'EUR' }] });
    const [code] = await codesFor(h, TENANT, adv.advantageId, 1);
    await expect(h.bus.request(c.invalidateCodes, ctx(), { codes: [code!, 'ZZZZZZZZZZZZZ'] })).rejects.toMatchObject({ code: 'PROMOTION_CODE_UNKNOWN' });
    expect((await h.bus.request(c.getCode, ctx(), { code: code! })).state).toBe('available');
  });
});
