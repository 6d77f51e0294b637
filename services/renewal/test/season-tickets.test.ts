import {
  CreateLogicalConfiguration,
  CreateSeasonTicket,
  DeletePreferredSeat,
  GetAvailability,
  GroupedSeatMap,
  ListPreferredSeats,
  OrderCompleted,
  PurchaseSeasonTickets,
  StartRenewalRun,
  type EventData,
} from '@tlp/contracts';
import { eventually, testContext } from '@tlp/testkit';
import { buy, grid, layout, pos, seasonTicket, space, startHarness, type Harness } from './fixtures';

const tenant = 'hall-a';
const ctx = () => testContext(tenant);

let h: Harness;
let p1: string;
let p2: string;
let mozart: string;
let bach: string[];
let jazz: string;
let ticket: string;

const rejects = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ code });

beforeAll(async () => {
  h = await startHarness('renewal season tickets');
  const s1 = await space(h.bus, ctx(), 'Concert hall');
  const s2 = await space(h.bus, ctx(), 'Jazz club');
  const hall = await layout(h.bus, ctx(), s1, grid('A', ['1', '2'], 3), 'Stalls');
  const club = await layout(h.bus, ctx(), s2, grid('B', ['1'], 2), 'Cabaret tables');
  p1 = hall.physicalConfigurationId;
  p2 = club.physicalConfigurationId;
  // Three logical configurations of one physical configuration, as in the seed's example.
  [mozart] = (await hall.performances('Mozart', (s) => (s.row === '1' ? 'CAT1' : 'CAT2'), 1, 1)) as [string];
  bach = await hall.performances('Bach', () => 'CAT1', 2, 2);
  [jazz] = (await club.performances('Jazz', () => 'CAT1', 1, 4)) as [string];
  ticket = await seasonTicket(h.bus, ctx(), [mozart, ...bach, jazz], 5);
});
afterAll(() => h.stop());

describe('the grouped seat map', () => {
  it('groups performances by physical configuration and lists seats free in all of them, in the category of the first', async () => {
    // A-2-1 is sold for the first Bach concert only.
    const bachOnly = await seasonTicket(h.bus, ctx(), [bach[0]!]);
    await buy(h.bus, ctx(), bachOnly, [{ contactId: 'someone', category: 'CAT1', seats: [{ physicalConfigurationId: p1, ...pos('A-2-1') }] }]);

    const { groups } = await h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: ticket, seatCategory: 'CAT2' });
    expect(groups).toHaveLength(2);
    const [hallGroup, clubGroup] = groups as [(typeof groups)[number], (typeof groups)[number]];
    expect(hallGroup).toMatchObject({ physicalConfigurationId: p1, performanceIds: [mozart, ...bach], basedOnPerformanceId: mozart, mapByMap: false });
    expect(hallGroup.seats.map((s) => `${s.area}-${s.row}-${s.number}:${s.category}`)).toEqual(['A-2-2:CAT2', 'A-2-3:CAT2']);
    // The category applies on the season ticket's first performance only: the club shows every seat.
    expect(clubGroup).toMatchObject({ physicalConfigurationId: p2, basedOnPerformanceId: jazz, mapByMap: false });
    expect(clubGroup.seats.map((s) => `${s.area}-${s.row}-${s.number}:${s.category}`)).toEqual(['B-1-1:CAT1', 'B-1-2:CAT1']);
  });

  it('falls back to map by map when no seat is free across the group, and honours the explicit override', async () => {
    const s = await space(h.bus, ctx(), 'Studio');
    const studio = await layout(h.bus, ctx(), s, [pos('S-1-1')]);
    const [first, second] = (await studio.performances('Studio', () => 'CAT1', 2, 10)) as [string, string];
    await buy(h.bus, ctx(), await seasonTicket(h.bus, ctx(), [second]), [
      { contactId: 'early-bird', category: 'CAT1', seats: [{ physicalConfigurationId: studio.physicalConfigurationId, ...pos('S-1-1') }] },
    ]);
    const both = await seasonTicket(h.bus, ctx(), [first, second]);
    const { groups } = await h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: both });
    expect(groups[0]).toMatchObject({ mapByMap: true, seats: [] });
    expect(groups[0]!.maps.map((m) => m.seats.length)).toEqual([1, 0]);

    const asked = await h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: ticket, mapByMap: true });
    expect(asked.groups.every((g) => g.mapByMap && g.maps.length === g.performanceIds.length)).toBe(true);
  });
});

describe('buying fixed-seat season tickets', () => {
  it('sells one seat per group for several contacts at once, prices by the actual category, stores a preferred seat each', async () => {
    const reply = await h.bus.request(PurchaseSeasonTickets, ctx(), {
      orderId: 'order-1',
      seasonTicketId: ticket,
      tickets: [
        { contactId: 'c1', seatCategory: 'CAT2', seats: [{ physicalConfigurationId: p1, ...pos('A-2-2') }, { performanceId: jazz, ...pos('B-1-1') }] },
        { contactId: 'c2', seatCategory: 'CAT2', seats: [{ physicalConfigurationId: p1, ...pos('A-2-3') }, { physicalConfigurationId: p2, ...pos('B-1-2') }] },
      ],
    });
    const c1 = reply.holdings[0]!;
    expect(c1.seats.map((s) => [s.performanceId, s.number, s.category])).toEqual([
      [mozart, '2', 'CAT2'],
      [bach[0], '2', 'CAT1'],
      [bach[1], '2', 'CAT1'],
      [jazz, '1', 'CAT1'],
    ]);
    // Same order again: same answer, nothing sold twice.
    const again = await h.bus.request(PurchaseSeasonTickets, ctx(), {
      orderId: 'order-1',
      seasonTicketId: ticket,
      tickets: [
        { contactId: 'c1', seatCategory: 'CAT2', seats: [{ physicalConfigurationId: p1, ...pos('A-2-2') }, { performanceId: jazz, ...pos('B-1-1') }] },
        { contactId: 'c2', seatCategory: 'CAT2', seats: [{ physicalConfigurationId: p1, ...pos('A-2-3') }, { physicalConfigurationId: p2, ...pos('B-1-2') }] },
      ],
    });
    expect(again).toEqual(reply);
    expect(await h.bus.request(GetAvailability, ctx(), { performanceId: mozart })).toEqual({ free: 4, held: 0, sold: 2 });

    for (const [contactId, hallSeat, clubSeat] of [
      ['c1', '2', '1'],
      ['c2', '3', '2'],
    ] as const) {
      const { preferredSeats } = await h.bus.request(ListPreferredSeats, ctx(), { contactId });
      expect(preferredSeats.map((p) => [p.physicalConfigurationId, p.physicalConfigurationName, p.number, p.valid])).toEqual([
        [p1, 'Stalls', hallSeat, true],
        [p2, 'Cabaret tables', clubSeat, true],
      ]);
    }
  });

  it('refuses bad seats with typed errors and writes nothing', async () => {
    const one = (seat: string, category = 'CAT1', contactId = 'c9') =>
      h.bus.request(PurchaseSeasonTickets, ctx(), {
        orderId: `order-${seat}-${category}`,
        seasonTicketId: ticket,
        tickets: [{ contactId, seatCategory: category, seats: [{ physicalConfigurationId: p1, ...pos(seat) }, { physicalConfigurationId: p2, ...pos('B-1-1') }] }],
      });
    await rejects(one('Z-9-9'), 'RENEWAL_SEAT_NOT_IN_CONFIGURATION');
    await rejects(one('A-2-1', 'CAT1'), 'RENEWAL_SEAT_NOT_IN_CATEGORY');
    // A-1-1 is free but B-1-1 was sold to c1: nothing of the order stays.
    await rejects(one('A-1-1', 'CAT1'), 'RENEWAL_SEAT_UNAVAILABLE');
    expect(await h.query(`SELECT 1 FROM holdings WHERE contact_id = 'c9'`)).toHaveLength(0);
    expect((await h.bus.request(ListPreferredSeats, ctx(), { contactId: 'c9' })).preferredSeats).toEqual([]);
    await rejects(
      h.bus.request(PurchaseSeasonTickets, ctx(), {
        orderId: 'order-incomplete',
        seasonTicketId: ticket,
        tickets: [{ contactId: 'c9', seatCategory: 'CAT1', seats: [{ physicalConfigurationId: p1, ...pos('A-1-1') }] }],
      }),
      'RENEWAL_SEAT_SELECTION_INCOMPLETE',
    );
    await rejects(
      h.bus.request(CreateLogicalConfiguration, ctx(), { physicalConfigurationId: p1, name: 'bad', seats: [{ ...pos('Q-1-1'), category: 'CAT1' }] }),
      'RENEWAL_SEAT_NOT_IN_CONFIGURATION',
    );
    await rejects(h.bus.request(CreateSeasonTicket, ctx(), { name: 'no quota', type: 'fixed-seat', performanceIds: [mozart] }), 'RENEWAL_QUOTA_REQUIRED');
    await rejects(h.bus.request(PurchaseSeasonTickets, ctx(), { orderId: 'x', seasonTicketId: '019aa000-0000-7000-8000-000000000000', tickets: [{ contactId: 'c9', seatCategory: 'CAT1', seats: [{ physicalConfigurationId: p1, ...pos('A-1-1') }] }] }), 'RENEWAL_SEASON_TICKET_UNKNOWN');
    await rejects(h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: 'not-a-uuid' } as never), 'VALIDATION_FAILED');
  });

  it('starts a renewal only into a known fixed-seat season ticket', async () => {
    const calculated = await seasonTicket(h.bus, ctx(), [mozart], 0, 'calculated-price');
    const start = (origin: string, target: string) => h.bus.request(StartRenewalRun, ctx(), { runKey: `k-${origin}-${target}`, originSeasonTicketId: origin, targetSeasonTicketId: target });
    await rejects(start(ticket, calculated), 'RENEWAL_NOT_FIXED_SEAT');
    await rejects(start('019aa000-0000-7000-8000-000000000000', ticket), 'RENEWAL_SEASON_TICKET_UNKNOWN');
    await rejects(start(ticket, ticket), 'RENEWAL_SAME_SEASON_TICKET');
  });
});

describe('preferred seats', () => {
  const order = (orderId: string, completedAt: string, lines: { contactId?: string; seats: string[]; pc?: string }[], buyer?: string): EventData<typeof OrderCompleted> => ({
    orderId,
    contactId: buyer,
    channel: 'webshop',
    currency: 'EUR',
    totalPaidMinor: 1000,
    lines: lines.map((l, i) => ({
      lineId: `${orderId}-${i}`,
      productId: 'season-2026',
      productFamily: 'season-ticket',
      quantity: 1,
      unitPriceMinor: 1000,
      paidMinor: 1000,
      reductions: [],
      seats: l.seats.map((s) => ({ physicalConfigurationId: l.pc ?? p1, performanceId: mozart, ...pos(s) })),
      beneficiaryContactId: l.contactId,
    })),
    payments: [],
    completedAt,
  });
  const seatsOf = async (contactId: string) =>
    (await h.bus.request(ListPreferredSeats, ctx(), { contactId })).preferredSeats.map((p) => `${p.area}-${p.row}-${p.number}${p.valid ? '' : '!'}`);

  it('are overwritten by a newer purchase, never by an older one, and kept per cultural contact', async () => {
    // c1 buys again: the new seat replaces the old one for that physical configuration only.
    await h.publish(OrderCompleted, tenant, order('web-1', new Date().toISOString(), [{ seats: ['A-1-3'] }], 'c1'));
    await eventually(async () => ((await seatsOf('c1')).includes('A-1-3') ? true : undefined));
    expect(await seatsOf('c1')).toEqual(['B-1-1', 'A-1-3']);
    // A late event about an older purchase changes nothing; several contacts in one order get one each.
    await h.publish(OrderCompleted, tenant, order('web-0', '2025-01-01T00:00:00Z', [{ seats: ['A-1-1'] }], 'c1'));
    await h.publish(OrderCompleted, tenant, order('web-2', new Date().toISOString(), [{ contactId: 'c5', seats: ['A-1-1'] }, { contactId: 'c6', seats: ['A-1-2'] }], 'buyer'));
    await eventually(async () => ((await seatsOf('c6')).length ? true : undefined));
    expect(await seatsOf('c5')).toEqual(['A-1-1']);
    expect(await seatsOf('c6')).toEqual(['A-1-2']);
    expect(await seatsOf('buyer')).toEqual([]);
    expect(await seatsOf('c1')).toEqual(['B-1-1', 'A-1-3']);
  });

  it('select the buyer’s seat by default on the grouped map when it is free across the group', async () => {
    const map = await h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: ticket, seatCategory: 'CAT1', contactId: 'c1' });
    // Hall: A-1-3 (from the web order) is free for Mozart and both Bach concerts; club: B-1-1 is c1's own, sold.
    expect(map.groups.map((g) => g.preselectedSeat && `${g.preselectedSeat.area}-${g.preselectedSeat.row}-${g.preselectedSeat.number}`)).toEqual(['A-1-3', null]);
    const otherCategory = await h.bus.request(GroupedSeatMap, ctx(), { seasonTicketId: ticket, seatCategory: 'CAT2', contactId: 'c1' });
    expect(otherCategory.groups[0]!.preselectedSeat).toBeNull();
  });

  it('shows a seat that no longer exists as invalid', async () => {
    await h.publish(OrderCompleted, tenant, order('web-3', new Date().toISOString(), [{ contactId: 'c7', seats: ['X-1-1'] }]));
    await eventually(async () => ((await seatsOf('c7')).length ? true : undefined));
    expect(await seatsOf('c7')).toEqual(['X-1-1!']);
  });

  it('are deleted by the operator without touching the tickets', async () => {
    await h.bus.request(DeletePreferredSeat, ctx(), { contactId: 'c2', physicalConfigurationId: p1 });
    expect(await seatsOf('c2')).toEqual(['B-1-2']);
    expect(await h.query(`SELECT 1 FROM holding_seats hs JOIN holdings h ON h.id = hs.holding_id WHERE h.contact_id = 'c2'`)).toHaveLength(4);
    await rejects(h.bus.request(DeletePreferredSeat, ctx(), { contactId: 'c2', physicalConfigurationId: p1 }), 'RENEWAL_PREFERRED_SEAT_UNKNOWN');
  });
});

describe('tenants', () => {
  it('never see each other’s season tickets, performances or preferred seats', async () => {
    const other = testContext('hall-b');
    await rejects(h.bus.request(GroupedSeatMap, other, { seasonTicketId: ticket }), 'RENEWAL_SEASON_TICKET_UNKNOWN');
    await rejects(h.bus.request(GetAvailability, other, { performanceId: mozart }), 'RENEWAL_PERFORMANCE_UNKNOWN');
    await rejects(h.bus.request(CreateSeasonTicket, other, { name: 'x', type: 'fixed-seat', quota: 1, performanceIds: [mozart] }), 'RENEWAL_PERFORMANCE_UNKNOWN');
    expect((await h.bus.request(ListPreferredSeats, other, { contactId: 'c1' })).preferredSeats).toEqual([]);
    await rejects(h.bus.request(DeletePreferredSeat, other, { contactId: 'c1', physicalConfigurationId: p2 }), 'RENEWAL_PREFERRED_SEAT_UNKNOWN');
    await rejects(h.bus.request(StartRenewalRun, other, { runKey: 'steal', originSeasonTicketId: ticket, targetSeasonTicketId: ticket.slice(0, -1) + (ticket.endsWith('0') ? '1' : '0') }), 'RENEWAL_SEASON_TICKET_UNKNOWN');
  });

  it('never name a preferred seat’s layout after another tenant’s configuration', async () => {
    const other = testContext('hall-b');
    const names = async (context: ReturnType<typeof testContext>, contactId: string) =>
      (await h.bus.request(ListPreferredSeats, context, { contactId })).preferredSeats.map((p) => [p.physicalConfigurationId, p.physicalConfigurationName, p.valid]);
    // hall-b's own layout, and one that happens to have the id of hall-a's hall (ids come from the ticketing system's orders too).
    const theirs = (await layout(h.bus, other, await space(h.bus, other, 'Their hall'), [pos('A-1-1')], 'Their secret layout')).physicalConfigurationId;
    await h.query(`INSERT INTO physical_configurations (tenant_id, id, space_id, name) SELECT 'hall-b', $1, space_id, 'Their copy' FROM physical_configurations WHERE tenant_id = 'hall-b' AND id = $2`, [p1, theirs]);
    const seatOn = (orderId: string, contactId: string, physicalConfigurationId: string): EventData<typeof OrderCompleted> => ({
      orderId,
      contactId,
      channel: 'webshop',
      currency: 'EUR',
      totalPaidMinor: 1000,
      lines: [{ lineId: 'l1', productId: 'season', productFamily: 'season-ticket', quantity: 1, unitPriceMinor: 1000, paidMinor: 1000, reductions: [], seats: [{ physicalConfigurationId, performanceId: mozart, ...pos('A-1-1') }] }],
      payments: [],
      completedAt: new Date().toISOString(),
    });
    // An order of hall-a naming hall-b's layout: the seat is kept, but neither its name nor its seats are hall-a's to show.
    await h.publish(OrderCompleted, tenant, seatOn('cross-1', 'c-cross', theirs));
    await h.publish(OrderCompleted, 'hall-b', seatOn('cross-2', 'c-theirs', p1));
    await eventually(async () => ((await names(ctx(), 'c-cross')).length && (await names(other, 'c-theirs')).length ? true : undefined));
    expect(await names(ctx(), 'c-cross')).toEqual([[theirs, null, false]]);
    // The same id in both tenants: each reads its own configuration's name, once.
    expect(await names(other, 'c-theirs')).toEqual([[p1, 'Their copy', false]]);
    expect(await names(ctx(), 'c1')).toEqual([
      [p2, 'Cabaret tables', true],
      [p1, 'Stalls', true],
    ]);
  });
});
