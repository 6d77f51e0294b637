import { ContactRegistered, OrderCompleted, OrderRefunded, partnersCreate, spendCapture, spendHold, spendRelease, type PartnerView, type RequestOf } from '@tlp/contracts';
import { oneAtATimePerOrder } from '@tlp/platform';
import { eventually } from '@tlp/testkit';
import { SPEND_HOLD } from '../src/app/spend';
import { contact, ctxOf, order, partnerInput, refund, sql, startHarness, startSimulator, type Harness, type RunningSimulator } from './fixtures';

let h: Harness;
let sim: RunningSimulator;
let partner: PartnerView;
let apiKey: string;
const tenant = 'club-points';
const ctx = () => ctxOf(tenant);

beforeAll(async () => {
  sim = await startSimulator();
  h = await startHarness('partner points', { SPEND_HOLD_TTL_MS: '1500' });
  const input = partnerInput(sim, {
    earn: { seasonTicketHoldersOnly: true, rate: { points: 1, perMinor: 100 } },
    spend: { blockedFamilies: ['season-ticket'] },
  });
  apiKey = input.apiKey;
  partner = await h.bus.request(partnersCreate, ctx(), input);
});

afterAll(async () => {
  await h.stop();
  await sim.close();
});

const books = () => sim.books(apiKey)!;
const memberPoints = (ref: string) => books().members.find((m) => m.externalRef === ref)?.points;
async function registered(ref: string, seasonTicketHolder: boolean) {
  await h.publish(ContactRegistered, tenant, contact(ref, seasonTicketHolder));
  await eventually(async () => (sim.books(apiKey)?.members.some((m) => m.externalRef === ref) ? true : undefined));
}
async function givePoints(ref: string, delta: number) {
  const res = await fetch(`${sim.url}/_control/accounts/${apiKey}/members/${ref}/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ delta }),
  });
  expect(res.status).toBe(200);
}
const hold = (orderId: string, contactId: string, amountMinor: number, lines: RequestOf<typeof spendHold>['lines'] = [{ lineId: 'l1', productFamily: 'event', amountMinor: 5000 }]) =>
  h.bus.request(spendHold, ctx(), { partnerId: partner.partnerId, orderId, contactId, channel: 'webshop', amountMinor, currency: 'GBP', lines });

describe('earn rules', () => {
  it('reports nothing for a contact without a season ticket when only holders earn, and earns for holders', async () => {
    await registered('c-casual', false);
    await registered('c-holder', true);
    await registered('c-new-holder', false);
    await h.publish(OrderCompleted, tenant, order('o-casual', 'c-casual', [{ family: 'event', paidMinor: 4000 }]));
    await h.publish(OrderCompleted, tenant, order('o-holder', 'c-holder', [{ family: 'event', paidMinor: 4000 }]));
    // Buying a season ticket makes the buyer a holder, in this order already.
    await h.publish(OrderCompleted, tenant, order('o-buys-season', 'c-new-holder', [{ family: 'season-ticket', paidMinor: 30000 }]));
    await eventually(async () => (books().entries.filter((e) => e.kind === 'earn').length === 2 ? true : undefined));
    const earns = books().entries.filter((e) => e.kind === 'earn');
    expect(earns.map((e) => [e.externalRef, e.points]).sort()).toEqual([
      ['c-holder', 40],
      ['c-new-holder', 300],
    ]);
    expect((await sql(h, `SELECT 1 FROM deliveries WHERE tenant_id = $1 AND source_key = 'order:o-casual'`, [tenant])).length).toBe(0);
  });

  it('reverses earned points in proportion when an order is refunded, once per refund', async () => {
    await eventually(async () => (memberPoints('c-holder') === 40 ? true : undefined));
    await h.publish(OrderRefunded, tenant, refund('o-holder', 'r-1', [{ lineId: 'l1', amountMinor: 1000 }]));
    await h.publish(OrderRefunded, tenant, refund('o-holder', 'r-1', [{ lineId: 'l1', amountMinor: 1000 }]));
    await h.publish(OrderRefunded, tenant, refund('o-holder', 'r-2', [{ lineId: 'l1', amountMinor: 3000 }]));
    await eventually(async () => (memberPoints('c-holder') === 0 ? true : undefined));
    const reversals = books().entries.filter((e) => e.kind === 'earn-reversal');
    expect(reversals.map((e) => [e.refundId, e.points])).toEqual([
      ['r-1', -10],
      ['r-2', -30],
    ]);
  });
});

describe('paying with partner points', () => {
  it('refuses to pay a blocked product family with points', async () => {
    await expect(
      hold('o-blocked', 'c-holder', 30000, [
        { lineId: 'l1', productFamily: 'season-ticket', amountMinor: 30000 },
        { lineId: 'l2', productFamily: 'event', amountMinor: 2000 },
      ]),
    ).rejects.toMatchObject({ code: 'PARTNER_SPENDING_NOT_ALLOWED', details: { payableMinor: 2000, blockedLines: ['l1'] } });
    expect(books().authorisations.filter((a) => a.orderId === 'o-blocked')).toEqual([]);
  });

  it('holds, then captures by order id; a repeat changes nothing', async () => {
    await registered('c-spender', false);
    await givePoints('c-spender', 5000);
    const held = await hold('o-spend', 'c-spender', 1500);
    expect(held).toMatchObject({ points: 1500, amountMinor: 1500, state: 'held' });
    expect(await hold('o-spend', 'c-spender', 1500)).toEqual(held);
    await expect(hold('o-spend', 'c-spender', 1600)).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(memberPoints('c-spender')).toBe(3500);

    expect(await h.bus.request(spendCapture, ctx(), { orderId: 'o-spend' })).toMatchObject({ state: 'captured' });
    expect(await h.bus.request(spendCapture, ctx(), { orderId: 'o-spend' })).toMatchObject({ state: 'captured' });
    await expect(h.bus.request(spendRelease, ctx(), { orderId: 'o-spend' })).rejects.toMatchObject({ code: 'PARTNER_HOLD_CLOSED' });
    await eventually(async () => (books().authorisations.find((a) => a.orderId === 'o-spend')?.status === 'captured' ? true : undefined));
    expect(books().entries.filter((e) => e.kind === 'spend' && e.orderId === 'o-spend')).toHaveLength(1);
    // Another tenant cannot touch the hold.
    await expect(h.bus.request(spendCapture, ctxOf('club-other'), { orderId: 'o-spend' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('credits back the part of a refund paid in points; the rest goes to the other method', async () => {
    await h.publish(
      OrderRefunded,
      tenant,
      refund('o-spend', 'r-spend', [{ lineId: 'l1', amountMinor: 2000 }], [
        { method: 'partner-points', amountMinor: 600 },
        { method: 'card', amountMinor: 1400 },
      ]),
    );
    await eventually(async () => (books().entries.some((e) => e.kind === 'refund' && e.refundId === 'r-spend') ? true : undefined));
    expect(books().entries.filter((e) => e.kind === 'refund').map((e) => e.points)).toEqual([600]);
    expect(memberPoints('c-spender')).toBe(4100);
  });

  it('releases a hold on cancel and gives the points back', async () => {
    await hold('o-cancel', 'c-spender', 1000);
    expect(memberPoints('c-spender')).toBe(3100);
    expect(await h.bus.request(spendRelease, ctx(), { orderId: 'o-cancel' })).toMatchObject({ state: 'released' });
    expect(await h.bus.request(spendRelease, ctx(), { orderId: 'o-cancel' })).toMatchObject({ state: 'released' });
    await eventually(async () => (memberPoints('c-spender') === 4100 ? true : undefined));
  });

  it('refuses a hold that arrives after its order was released, asking the partner nothing', async () => {
    // The checkout gave up on this hold and released the order before the hold reached the service.
    await expect(h.bus.request(spendRelease, ctx(), { orderId: 'o-gone' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(hold('o-gone', 'c-spender', 500)).rejects.toMatchObject({ code: 'PARTNER_HOLD_CLOSED' });
    expect(books().authorisations.filter((a) => a.orderId === 'o-gone')).toEqual([]);
    expect(memberPoints('c-spender')).toBe(4100);
  });

  it('makes a release wait for a hold of its order still being written, then releases that hold', async () => {
    // A hold has taken the order's turn and written its row, not committed yet (a slow hold).
    let commit: (() => void) | undefined;
    const writing = h.service.deps.db.transaction(async (tx) => {
      await oneAtATimePerOrder(tx, SPEND_HOLD, tenant, 'o-turns');
      await tx.query(
        `INSERT INTO spend_holds (tenant_id, hold_id, partner_id, order_id, contact_id, points, amount_minor, currency, request_hash, state, expires_at)
         VALUES ($1, gen_random_uuid(), $2, 'o-turns', 'c-spender', 100, 100, 'GBP', 'x', 'pending', now() + interval '1 minute')`,
        [tenant, partner.partnerId],
      );
      await new Promise<void>((r) => (commit = r));
    });
    await eventually(async () => (commit ? true : undefined));
    let answered = false;
    const releasing = h.bus.request(spendRelease, ctx(), { orderId: 'o-turns' }).finally(() => (answered = true));
    await new Promise((r) => setTimeout(r, 300));
    // Not "no hold" while one is being written: the release waits for its turn.
    expect(answered).toBe(false);
    commit!();
    await writing;
    expect(await releasing).toMatchObject({ state: 'released' });
    expect(await sql(h, `SELECT state FROM spend_holds WHERE tenant_id = $1 AND order_id = 'o-turns'`, [tenant])).toEqual([{ state: 'released' }]);
  });

  it('refuses a hold beyond the balance', async () => {
    await expect(hold('o-too-much', 'c-spender', 4200)).rejects.toMatchObject({ code: 'PARTNER_POINTS_INSUFFICIENT', details: { required: 4200, available: 4100 } });
  });

  it('cannot capture a hold past its expiry, even before the expiry job runs, and the job gives the points back', async () => {
    await hold('o-late', 'c-spender', 100);
    expect(memberPoints('c-spender')).toBe(4000);
    await sql(h, `UPDATE spend_holds SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND order_id = 'o-late'`, [tenant]);
    await expect(h.bus.request(spendCapture, ctx(), { orderId: 'o-late' })).rejects.toMatchObject({ code: 'PARTNER_HOLD_EXPIRED' });
    await eventually(async () => (memberPoints('c-spender') === 4100 ? true : undefined));
    expect(await h.bus.request(spendRelease, ctx(), { orderId: 'o-late' })).toMatchObject({ state: 'expired' });
  });
});
