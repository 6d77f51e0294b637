import { ConfirmReservation, GetAvailability, GetRenewalRun, ListRenewalRuns, OrderCompleted, StartRenewalRun, type ReplyOf, type RequestOf } from '@tlp/contracts';
import { eventually, testContext } from '@tlp/testkit';
import { expireReservations } from '../src/app/reservations';
import { buy, grid, layout, pos, seasonTicket, space, startHarness, type Harness } from './fixtures';

const tenant = 'arena';
const ctx = () => testContext(tenant);
let h: Harness;

beforeAll(async () => {
  h = await startHarness('renewal runs');
});
afterAll(() => h.stop());

type Run = ReplyOf<typeof GetRenewalRun>;

async function renew(input: Omit<RequestOf<typeof StartRenewalRun>, 'runKey'> & { runKey?: string }): Promise<Run> {
  const { runId } = await h.bus.request(StartRenewalRun, ctx(), { runKey: `run-${Math.random()}`, ...input });
  return eventually(async () => {
    const run = await h.bus.request(GetRenewalRun, ctx(), { runId, limit: 100 });
    return run.status === 'completed' ? run : undefined;
  }, 20_000);
}

/** contact -> "row:seat(source)" or the reason, for compact assertions. */
const outcomes = (run: Run, contactOf: Map<string, string>) =>
  Object.fromEntries(
    run.decisions.map((d) => [
      contactOf.get(d.contactId) ?? d.contactId,
      d.outcome === 'renewed'
        ? d.groups.map((g) => `${g.row}:${g.seat!.area}-${g.seat!.row}-${g.seat!.number}`).join(' ') + (d.reserved ? ' reserved' : '')
        : `${d.reason}${d.groups.length ? ` (row ${d.groups.map((g) => g.row).join(',')})` : ''}`,
    ]),
  );

describe('a renewal into a new layout of the same space', () => {
  let oldLayout: string;
  let newLayout: { physicalConfigurationId: string; performances: (n: string, c: () => string, count: number, day: number) => Promise<string[]> };
  let origin: string;
  const contacts = new Map<string, string>();
  const names = ['X', 'Y', 'Z', 'W', 'U', 'V'];

  beforeAll(async () => {
    const s = await space(h.bus, ctx(), 'Arena');
    const before = await layout(h.bus, ctx(), s, [...grid('A', ['1'], 4), ...grid('B', ['1'], 3)]);
    oldLayout = before.physicalConfigurationId;
    newLayout = await layout(h.bus, ctx(), s, ['A-1-2', 'A-1-3', 'A-1-4', 'A-2-1', 'A-2-2'].map(pos));
    origin = await seasonTicket(h.bus, ctx(), await before.performances('2025', () => 'CAT1', 1, 1));
    const originSeats = { X: 'A-1-1', Y: 'A-1-2', Z: 'B-1-1', W: 'B-1-2', U: 'A-1-4', V: 'B-1-3' } as Record<string, string>;
    for (const n of names) contacts.set(`contact-${n}-${Math.random()}`, n);
    const ids = [...contacts.keys()];
    await buy(h.bus, ctx(), origin, ids.map((contactId) => ({ contactId, category: 'CAT1', seats: [{ physicalConfigurationId: oldLayout, ...pos(originSeats[contacts.get(contactId)!]!) }] })));
    // Preferred seats in the new layout, from webshop orders: Z's is valid, W's seat does not exist.
    const idOf = (n: string) => ids.find((id) => contacts.get(id) === n)!;
    for (const [n, seat] of [
      ['Z', 'A-2-2'],
      ['W', 'Q-9-9'],
    ] as const) {
      await h.publish(OrderCompleted, tenant, {
        orderId: `web-${n}`,
        contactId: idOf(n),
        channel: 'webshop',
        currency: 'EUR',
        totalPaidMinor: 0,
        lines: [{ lineId: 'l', productId: 'p', productFamily: 'season-ticket', quantity: 1, unitPriceMinor: 0, paidMinor: 0, reductions: [], seats: [{ physicalConfigurationId: newLayout.physicalConfigurationId, performanceId: 'any', ...pos(seat) }] }],
        payments: [],
        completedAt: new Date().toISOString(),
      });
    }
    await eventually(async () => {
      const rows = await h.query(`SELECT 1 FROM preferred_seats WHERE physical_configuration_id = $1`, [newLayout.physicalConfigurationId]);
      return rows.length === 2 ? true : undefined;
    });
  });

  it('keeps returning holders’ seats first, then gives preferred and best seats, with reservations for changed seats', async () => {
    const performances = await newLayout.performances('2026', () => 'CAT1', 2, 100);
    const target = await seasonTicket(h.bus, ctx(), performances, 10);
    const run = await renew({ originSeasonTicketId: origin, targetSeasonTicketId: target, renewStrategy: 'TWO_STEPS', createReservation: 'SEAT_CHANGED_ONLY' });

    // X comes first in purchase order and would take A-1-2, the best seat, in one step: Y keeps it.
    expect(outcomes(run, contacts)).toEqual({
      Y: '3:A-1-2',
      U: '3:A-1-4',
      X: '12:A-1-3 reserved',
      Z: '9:A-2-2 reserved',
      W: '12:A-2-1 reserved',
      V: 'NO_SEAT_FOUND (row 13)',
    });
    expect(run).toMatchObject({ renewed: 5, notRenewed: 1, seatChanges: 3, notRenewedByReason: { NO_SEAT_FOUND: 1 } });
    expect(run.decisions.map((d) => d.step)).toEqual([1, 1, 2, 2, 2, 2]);
    expect(run.decisions[0]!.groups[0]!.rationale).toMatch(/same area, row and number/);
    for (const p of performances) expect(await h.bus.request(GetAvailability, ctx(), { performanceId: p })).toEqual({ free: 0, held: 3, sold: 2 });

    const events = await h.query<{ type: string; data: { runId: string; contactId: string; seatChanged: boolean; reservedUntil: string | null; seats: unknown[] } }>(
      `SELECT type, envelope->'data' AS data FROM outbox WHERE type LIKE 'evt.renewal.%' AND envelope->'data'->>'runId' = $1 ORDER BY id`,
      [run.runId],
    );
    expect(events.map((e) => e.type)).toEqual([...Array(5).fill('evt.renewal.season-ticket-renewed'), 'evt.renewal.run-completed']);
    const x = events.find((e) => contacts.get(e.data.contactId) === 'X')!.data;
    expect(x).toMatchObject({ seatChanged: true, reservedUntil: expect.any(String) });
    expect(x.seats).toHaveLength(2);

    // Reservations: X pays in time; Z's lapses, its seats come back and a new run gives them out.
    const holdingOf = async (n: string) =>
      (await h.query<{ id: string }>(`SELECT id FROM holdings WHERE season_ticket_id = $1 AND contact_id = $2`, [target, [...contacts].find(([, v]) => v === n)![0]]))[0]!.id;
    expect(await h.bus.request(ConfirmReservation, ctx(), { holdingId: await holdingOf('X') })).toMatchObject({ status: 'sold' });
    const z = await holdingOf('Z');
    await h.query(`UPDATE holdings SET reserved_until = now() - interval '1 minute' WHERE id = $1`, [z]);
    await expect(h.bus.request(ConfirmReservation, ctx(), { holdingId: z })).rejects.toMatchObject({ code: 'RENEWAL_RESERVATION_EXPIRED' });
    expect(await expireReservations(h.service.deps.db)).toBeGreaterThanOrEqual(1);
    expect(await h.bus.request(GetAvailability, ctx(), { performanceId: performances[0]! })).toEqual({ free: 1, held: 1, sold: 3 });

    const again = await renew({ originSeasonTicketId: origin, targetSeasonTicketId: target, createReservation: 'NO' });
    expect(outcomes(again, contacts)).toEqual({
      Y: 'ALREADY_HOLDER',
      U: 'ALREADY_HOLDER',
      X: 'ALREADY_HOLDER',
      Z: '9:A-2-2',
      W: 'ALREADY_HOLDER',
      V: 'NO_SEAT_FOUND (row 13)',
    });
  });

  it('splits the two steps over two runs with SAME_SEAT_ONLY then OTHER_SEATS_ONLY', async () => {
    const target = await seasonTicket(h.bus, ctx(), await newLayout.performances('2026 bis', () => 'CAT1', 1, 200), 10);
    const first = await renew({ originSeasonTicketId: origin, targetSeasonTicketId: target, renewStrategy: 'SAME_SEAT_ONLY' });
    expect(outcomes(first, contacts)).toEqual({
      X: 'LEFT_FOR_OTHER_SEATS_STEP',
      Y: '3:A-1-2',
      Z: 'LEFT_FOR_OTHER_SEATS_STEP',
      W: 'LEFT_FOR_OTHER_SEATS_STEP',
      U: '3:A-1-4',
      V: 'LEFT_FOR_OTHER_SEATS_STEP',
    });
    const second = await renew({ originSeasonTicketId: origin, targetSeasonTicketId: target, renewStrategy: 'OTHER_SEATS_ONLY' });
    expect(outcomes(second, contacts)).toEqual({
      X: '12:A-1-3',
      Y: 'ALREADY_HOLDER',
      Z: '9:A-2-2',
      W: '12:A-2-1',
      U: 'ALREADY_HOLDER',
      V: 'NO_SEAT_FOUND (row 13)',
    });
  });

  it('answers a repeated start with the same run', async () => {
    const target = await seasonTicket(h.bus, ctx(), await newLayout.performances('2026 ter', () => 'CAT1', 1, 300), 2);
    const input = { runKey: 'season-2026', originSeasonTicketId: origin, targetSeasonTicketId: target };
    const a = await h.bus.request(StartRenewalRun, ctx(), input);
    const b = await h.bus.request(StartRenewalRun, ctx(), input);
    expect(b.runId).toBe(a.runId);
    await expect(h.bus.request(StartRenewalRun, ctx(), { ...input, renewStrategy: 'SAME_SEAT_ONLY' })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    // Quota of two: the two same-seat holders, then nobody.
    const run = await eventually(async () => {
      const r = await h.bus.request(GetRenewalRun, ctx(), { runId: a.runId });
      return r.status === 'completed' ? r : undefined;
    });
    expect(run).toMatchObject({ renewed: 2, notRenewedByReason: { QUOTA_EXHAUSTED: 4 } });
    await expect(h.bus.request(GetRenewalRun, testContext('someone-else'), { runId: a.runId })).rejects.toMatchObject({ code: 'RENEWAL_RUN_UNKNOWN' });
  });
});

describe('a renewal on the same physical configuration', () => {
  it('renews the same seat or nothing: taken or re-categorised seats are not renewed', async () => {
    const s = await space(h.bus, ctx(), 'Theatre');
    const hall = await layout(h.bus, ctx(), s, grid('C', ['1'], 3));
    const pc = hall.physicalConfigurationId;
    const origin = await seasonTicket(h.bus, ctx(), await hall.performances('2025', () => 'CAT1', 1, 1));
    const target = await seasonTicket(h.bus, ctx(), await hall.performances('2026', (p) => (p.number === '3' ? 'CAT2' : 'CAT1'), 1, 400), 10);
    const contacts = new Map([
      ['t-h1', 'h1'],
      ['t-h2', 'h2'],
      ['t-h3', 'h3'],
    ]);
    await buy(h.bus, ctx(), origin, [
      { contactId: 't-h1', category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos('C-1-1') }] },
      { contactId: 't-h2', category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos('C-1-3') }] },
      { contactId: 't-h3', category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos('C-1-2') }] },
    ]);
    // Sold to someone else before the run.
    await buy(h.bus, ctx(), target, [{ contactId: 'walk-in', category: 'CAT1', seats: [{ physicalConfigurationId: pc, ...pos('C-1-2') }] }]);
    const run = await renew({ originSeasonTicketId: origin, targetSeasonTicketId: target, createReservation: 'YES' });
    expect(outcomes(run, contacts)).toEqual({ h1: '1:C-1-1 reserved', h2: 'SEAT_NOT_KEPT (row 2)', h3: 'SEAT_NOT_KEPT (row 2)' });
    expect(run.decisions[1]!.groups[0]!.rationale).toMatch(/venue must contact/);
  });
});

describe('the list of runs', () => {
  it("lists the caller tenant's runs, newest first, and nothing of another tenant's", async () => {
    const rival = testContext('arena-rival');
    const ticketsOf = async (c: typeof rival, name: string) => {
      const hall = await layout(h.bus, c, await space(h.bus, c, name), grid('D', ['1'], 2));
      return [await seasonTicket(h.bus, c, await hall.performances('2025', () => 'CAT1', 1, 1)), await seasonTicket(h.bus, c, await hall.performances('2026', () => 'CAT1', 1, 500))] as const;
    };
    const [origin, target] = await ticketsOf(ctx(), 'Listed hall');
    const [rivalOrigin, rivalTarget] = await ticketsOf(rival, 'Rival hall');
    const start = async (c: typeof rival, runKey: string, from: string, to: string, createReservation: 'NO' | 'YES' = 'NO') =>
      (await h.bus.request(StartRenewalRun, c, { runKey, originSeasonTicketId: from, targetSeasonTicketId: to, createReservation })).runId;
    const older = await start(ctx(), 'listed-older', origin, target);
    const rivalRun = await start(rival, 'rival-run', rivalOrigin, rivalTarget);
    const newer = await start(ctx(), 'listed-newer', target, origin, 'YES');

    const mine = (await h.bus.request(ListRenewalRuns, ctx(), {})).runs;
    expect(mine.slice(0, 2).map((r) => r.runKey)).toEqual(['listed-newer', 'listed-older']);
    expect(mine[0]).toMatchObject({ runId: newer, originSeasonTicketId: target, targetSeasonTicketId: origin, renewStrategy: 'TWO_STEPS', createReservation: 'YES', reservationDays: 14 });
    expect(mine.map((r) => r.runId)).not.toContain(rivalRun);
    const owners = await h.query<{ tenant_id: string }>(`SELECT DISTINCT tenant_id FROM renewal_runs WHERE id = ANY($1)`, [mine.map((r) => r.runId)]);
    expect(owners).toEqual([{ tenant_id: tenant }]);
    expect(mine.map((r) => Date.parse(r.createdAt))).toEqual([...mine.map((r) => Date.parse(r.createdAt))].sort((a, b) => b - a));
    expect((await h.bus.request(ListRenewalRuns, ctx(), { limit: 1 })).runs.map((r) => r.runId)).toEqual([newer]);
    expect((await h.bus.request(ListRenewalRuns, rival, {})).runs.map((r) => r.runId)).toEqual([rivalRun]);

    // A finished run says when it finished, in the list and in its report.
    const done = await eventually(async () => {
      const runs = (await h.bus.request(ListRenewalRuns, ctx(), {})).runs;
      const run = runs.find((r) => r.runId === older);
      return run?.status === 'completed' ? run : undefined;
    });
    expect(done.completedAt).not.toBeNull();
    expect(await h.bus.request(GetRenewalRun, ctx(), { runId: older })).toMatchObject({ ...done, renewed: 0, notRenewed: 0, decisions: [] });
  });
});
