import {
  creditNotesBalance,
  creditNotesCapture,
  creditNotesConvert,
  creditNotesCredit,
  creditNotesGet,
  creditNotesHold,
  creditNotesRelease,
  EventEnvelope,
  jsonCodec,
} from '@tlp/contracts';
import { conversionEventId } from '../src/app/credit-notes';
import { ctxOf, ledgerSum, outboxCount, refusal, startHarness, type Harness } from './harness';

const T = 'club-rugby';
let h: Harness;
beforeAll(async () => {
  h = await startHarness('voucher-credit-notes');
});
afterAll(() => h.stop());

/** How many conversion events reached the JetStream stream (what loyalty consumes), and the last one. */
async function conversionsOnStream(): Promise<{ count: number; last: EventEnvelope }> {
  const jsm = await h.nc.jetstreamManager();
  const subject = `${h.iso.subjectPrefix}evt.voucher.credit-note-converted`;
  const info = await jsm.streams.info(h.iso.streamName, { subjects_filter: subject });
  const last = await jsm.streams.getMessage(h.iso.streamName, { last_by_subj: subject });
  return { count: info.state.subjects?.[subject] ?? 0, last: jsonCodec.decode(last.data) as EventEnvelope };
}

async function waitForRelay(): Promise<void> {
  for (;;) {
    const [row] = (await h.service.deps.db.query(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)) as { n: number }[];
    if (row?.n === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('credit notes', () => {
  it('takes a refund of 80.00, converts 30.00 to points and ends at 50.00, each step once however often retried', async () => {
    const credit = { refundId: 'refund-1', contactId: 'fan-1', amountMinor: 8_000, currency: 'EUR', orderId: 'order-1' };
    const convert = { conversionId: 'refund-1:points', contactId: 'fan-1', amountMinor: 3_000, currency: 'EUR', programId: 'rewards' };
    await Promise.all([1, 2, 3].map(() => h.bus.request(creditNotesCredit, ctxOf(T), credit)));
    expect((await h.bus.request(creditNotesCredit, ctxOf(T), credit)).balanceMinor).toBe(8_000);
    const replies = await Promise.all([1, 2, 3, 4].map(() => h.bus.request(creditNotesConvert, ctxOf(T), convert)));
    const late = await h.bus.request(creditNotesConvert, ctxOf(T), convert);
    const eventId = conversionEventId(T, 'refund-1:points');
    expect(new Set([...replies, late].map((r) => `${r.balanceMinor}:${r.eventId}`))).toEqual(new Set([`5000:${eventId}`]));

    const note = await h.bus.request(creditNotesGet, ctxOf(T), { contactId: 'fan-1', currency: 'EUR' });
    expect(note.balanceMinor).toBe(5_000);
    expect(note.entries.map((e) => [e.type, e.deltaMinor, e.ref])).toEqual([
      ['credit', 8_000, 'refund-1'],
      ['conversion', -3_000, 'refund-1:points'],
    ]);
    expect(await ledgerSum(h, T, note.creditNoteId)).toMatchObject({ sum: 5_000, balance: 5_000 });

    await waitForRelay();
    const onStream = await conversionsOnStream();
    expect(onStream.count).toBe(1);
    expect(onStream.last).toMatchObject({
      id: eventId,
      tenantId: T,
      data: { conversionId: 'refund-1:points', creditNoteId: note.creditNoteId, contactId: 'fan-1', amountMinor: 3_000, currency: 'EUR', programId: 'rewards' },
    });
  });

  it('refuses to convert more than the credit note holds, or another currency, changing nothing', async () => {
    await h.bus.request(creditNotesCredit, ctxOf(T), { refundId: 'refund-2', contactId: 'fan-2', amountMinor: 1_000, currency: 'EUR' });
    const convert = { conversionId: 'c-too-much', contactId: 'fan-2', amountMinor: 1_001, currency: 'EUR' };
    expect(await refusal(h.bus.request(creditNotesConvert, ctxOf(T), convert))).toBe('VOUCHER_INSUFFICIENT_BALANCE');
    expect(await refusal(h.bus.request(creditNotesConvert, ctxOf(T), { ...convert, amountMinor: 10, currency: 'GBP' }))).toBe('VOUCHER_CURRENCY_MISMATCH');
    expect(await refusal(h.bus.request(creditNotesConvert, ctxOf(T), { ...convert, contactId: 'nobody' }))).toBe('CREDIT_NOTE_NOT_FOUND');
    expect((await h.bus.request(creditNotesGet, ctxOf(T), { contactId: 'fan-2', currency: 'EUR' })).entries).toHaveLength(1);
    expect(await outboxCount(h, 'evt.voucher.credit-note-converted', T)).toBe(1);
    // Refused, so the same conversion id may be used once there is enough.
    await h.bus.request(creditNotesCredit, ctxOf(T), { refundId: 'refund-3', contactId: 'fan-2', amountMinor: 1, currency: 'EUR' });
    expect((await h.bus.request(creditNotesConvert, ctxOf(T), convert)).balanceMinor).toBe(0);
  });

  it('pays later orders with hold, capture and release by order id', async () => {
    await h.bus.request(creditNotesCredit, ctxOf(T), { refundId: 'refund-4', contactId: 'fan-3', amountMinor: 5_000, currency: 'EUR' });
    const held = await h.bus.request(creditNotesHold, ctxOf(T), { orderId: 'next-1', contactId: 'fan-3', amountMinor: 2_000, currency: 'EUR' });
    expect(held).toMatchObject({ status: 'held', balanceMinor: 3_000 });
    expect(await refusal(h.bus.request(creditNotesHold, ctxOf(T), { orderId: 'next-2', contactId: 'fan-3', amountMinor: 3_001, currency: 'EUR' }))).toBe(
      'VOUCHER_INSUFFICIENT_BALANCE',
    );
    await h.bus.request(creditNotesCapture, ctxOf(T), { orderId: 'next-1' });
    await h.bus.request(creditNotesCapture, ctxOf(T), { orderId: 'next-1' });
    await h.bus.request(creditNotesHold, ctxOf(T), { orderId: 'next-3', contactId: 'fan-3', amountMinor: 1_000, currency: 'EUR' });
    await h.bus.request(creditNotesRelease, ctxOf(T), { orderId: 'next-3' });
    const note = await h.bus.request(creditNotesGet, ctxOf(T), { contactId: 'fan-3', currency: 'EUR' });
    expect(note).toMatchObject({ balanceMinor: 3_000, heldMinor: 0 });
    expect(note.entries.map((e) => e.type)).toEqual(['credit', 'hold', 'capture', 'hold', 'release']);
    expect(await ledgerSum(h, T, note.creditNoteId)).toMatchObject({ sum: 3_000, balance: 3_000 });
  });

  it("keeps a contact's credit note to its tenant", async () => {
    await h.bus.request(creditNotesCredit, ctxOf(T), { refundId: 'refund-5', contactId: 'fan-4', amountMinor: 2_000, currency: 'EUR' });
    await h.bus.request(creditNotesHold, ctxOf(T), { orderId: 'o-t', contactId: 'fan-4', amountMinor: 500, currency: 'EUR' });
    const other = ctxOf('club-cricket');
    expect(await h.bus.request(creditNotesBalance, other, { contactId: 'fan-4', currency: 'EUR' })).toEqual({ currency: 'EUR', balanceMinor: 0 });
    expect(await refusal(h.bus.request(creditNotesGet, other, { contactId: 'fan-4', currency: 'EUR' }))).toBe('CREDIT_NOTE_NOT_FOUND');
    expect(await refusal(h.bus.request(creditNotesHold, other, { orderId: 'o-x', contactId: 'fan-4', amountMinor: 1, currency: 'EUR' }))).toBe(
      'CREDIT_NOTE_NOT_FOUND',
    );
    expect(await refusal(h.bus.request(creditNotesCapture, other, { orderId: 'o-t' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await refusal(h.bus.request(creditNotesRelease, other, { orderId: 'o-t' }))).toBe('VOUCHER_HOLD_NOT_FOUND');
    expect(await refusal(h.bus.request(creditNotesConvert, other, { conversionId: 'c-x', contactId: 'fan-4', amountMinor: 100, currency: 'EUR' }))).toBe('CREDIT_NOTE_NOT_FOUND');
    // The same refund id in another tenant is another refund.
    expect((await h.bus.request(creditNotesCredit, other, { refundId: 'refund-5', contactId: 'fan-4', amountMinor: 700, currency: 'EUR' })).balanceMinor).toBe(700);
    expect(await h.bus.request(creditNotesGet, ctxOf(T), { contactId: 'fan-4', currency: 'EUR' })).toMatchObject({ balanceMinor: 1_500, heldMinor: 500 });
  });

  it("gives a quote what a contact's credit note can pay now: the balance after holds, and 0 with none in that currency", async () => {
    expect(await h.bus.request(creditNotesBalance, ctxOf(T), { contactId: 'fan-6', currency: 'EUR' })).toEqual({ currency: 'EUR', balanceMinor: 0 });
    await h.bus.request(creditNotesCredit, ctxOf(T), { refundId: 'refund-6', contactId: 'fan-6', amountMinor: 3_000, currency: 'EUR' });
    await h.bus.request(creditNotesHold, ctxOf(T), { orderId: 'o-6', contactId: 'fan-6', amountMinor: 1_200, currency: 'EUR' });
    expect(await h.bus.request(creditNotesBalance, ctxOf(T), { contactId: 'fan-6', currency: 'EUR' })).toEqual({ currency: 'EUR', balanceMinor: 1_800 });
    expect(await h.bus.request(creditNotesBalance, ctxOf(T), { contactId: 'fan-6', currency: 'CHF' })).toEqual({ currency: 'CHF', balanceMinor: 0 });
  });

  it('answers balances asked at once (one statement) each for its own tenant, contact and currency', async () => {
    const tenants = ['club-batch-a', 'club-batch-b'];
    const balanceOf = (tenant: number, fan: number, currency: string) => (currency === 'EUR' && fan < 3 ? 1_000 * (tenant + 1) + fan : 0);
    for (const [t, tenant] of tenants.entries()) {
      for (let fan = 0; fan < 3; fan++) {
        await h.bus.request(creditNotesCredit, ctxOf(tenant), { refundId: `batch-${fan}`, contactId: `fan-b${fan}`, amountMinor: balanceOf(t, fan, 'EUR'), currency: 'EUR' });
      }
    }
    const asked = Array.from({ length: 40 }, (_, n) => ({ t: n % 2, fan: (n * 7) % 4, currency: n % 5 === 0 ? 'CHF' : 'EUR' }));
    const answers = await Promise.all(asked.map((a) => h.bus.request(creditNotesBalance, ctxOf(tenants[a.t]!), { contactId: `fan-b${a.fan}`, currency: a.currency })));
    expect(answers).toEqual(asked.map((a) => ({ currency: a.currency, balanceMinor: balanceOf(a.t, a.fan, a.currency) })));
  });
});
