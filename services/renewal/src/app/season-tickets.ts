import {
  DomainError,
  type CreateSeasonTicket,
  type GroupedSeatMap,
  type ParsedRequestOf,
  type PurchaseSeasonTickets,
  type ReplyOf,
  type SeatPosition,
} from '@tlp/contracts';
import { newId, onceByKey, sql, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { RenewalContext } from './context';
import { storePreferredSeats } from './preferred-seats';
import { resolveSeats } from './venue';

type Queryable = Tx | DataSource;

export interface SeasonTicket {
  id: string;
  type: 'calculated-price' | 'predefined-price' | 'fixed-seat';
  quota: number | null;
}

/** The performances of a season ticket that share a physical configuration, in date order. */
export interface PerformanceGroup {
  physicalConfigurationId: string;
  spaceId: string;
  performances: { id: string; logicalConfigurationId: string }[];
}

export async function loadSeasonTicket(q: Queryable, tenantId: string, id: string, forUpdate = false): Promise<SeasonTicket> {
  const [row] = await sql<SeasonTicket>(q, `SELECT id, type, quota FROM season_tickets WHERE tenant_id = $1 AND id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`, [
    tenantId,
    id,
  ]);
  if (!row) throw new DomainError('RENEWAL_SEASON_TICKET_UNKNOWN', 'Unknown season ticket', { seasonTicketId: id });
  return row;
}

export async function loadGroups(q: Queryable, tenantId: string, seasonTicketId: string): Promise<PerformanceGroup[]> {
  const rows = await sql<{ id: string; lc: string; pc: string; space: string }>(
    q,
    `SELECT p.id, p.logical_configuration_id AS lc, lc.physical_configuration_id AS pc, pc.space_id AS space
     FROM season_ticket_performances stp
     JOIN performances p ON p.tenant_id = stp.tenant_id AND p.id = stp.performance_id
     JOIN logical_configurations lc ON lc.tenant_id = p.tenant_id AND lc.id = p.logical_configuration_id
     JOIN physical_configurations pc ON pc.tenant_id = lc.tenant_id AND pc.id = lc.physical_configuration_id
     WHERE stp.tenant_id = $1 AND stp.season_ticket_id = $2
     ORDER BY p.starts_at, stp.position`,
    [tenantId, seasonTicketId],
  );
  const groups = new Map<string, PerformanceGroup>();
  for (const r of rows) {
    const g = groups.get(r.pc) ?? { physicalConfigurationId: r.pc, spaceId: r.space, performances: [] };
    g.performances.push({ id: r.id, logicalConfigurationId: r.lc });
    groups.set(r.pc, g);
  }
  return [...groups.values()];
}

export async function createSeasonTicket(ctx: RenewalContext, input: ParsedRequestOf<typeof CreateSeasonTicket>): Promise<{ seasonTicketId: string }> {
  if (input.type === 'fixed-seat' && input.quota === undefined) {
    throw new DomainError('RENEWAL_QUOTA_REQUIRED', 'A fixed-seat season ticket has one global quota, not one per seat category');
  }
  const performanceIds = [...new Set(input.performanceIds)];
  return ctx.db.transaction(async (tx) => {
    const known = await sql<{ id: string }>(tx, `SELECT id FROM performances WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [ctx.tenantId, performanceIds]);
    if (known.length !== performanceIds.length) {
      const k = new Set(known.map((r) => r.id));
      throw new DomainError('RENEWAL_PERFORMANCE_UNKNOWN', 'Unknown performance', { performanceIds: performanceIds.filter((p) => !k.has(p)) });
    }
    const seasonTicketId = newId();
    await tx.query(`INSERT INTO season_tickets (tenant_id, id, name, type, quota) VALUES ($1, $2, $3, $4, $5)`, [
      ctx.tenantId,
      seasonTicketId,
      input.name,
      input.type,
      input.quota ?? null,
    ]);
    await tx.query(
      `INSERT INTO season_ticket_performances (tenant_id, season_ticket_id, performance_id, position)
       SELECT $1, $2, x.p, x.i FROM unnest($3::uuid[]) WITH ORDINALITY AS x(p, i)`,
      [ctx.tenantId, seasonTicketId, performanceIds],
    );
    return { seasonTicketId };
  });
}

type MapSeat = SeatPosition & { seatId: string; category: string };

async function freeSeatsOfPerformance(q: Queryable, tenantId: string, performanceId: string, category: string | null): Promise<MapSeat[]> {
  return sql<MapSeat>(
    q,
    `SELECT s.id AS "seatId", s.area, s.row, s.number, c.category
     FROM seat_availability a
     JOIN performances p ON p.tenant_id = a.tenant_id AND p.id = a.performance_id
     JOIN logical_configuration_seats c ON c.tenant_id = a.tenant_id AND c.logical_configuration_id = p.logical_configuration_id AND c.seat_id = a.seat_id
     JOIN seats s ON s.tenant_id = a.tenant_id AND s.id = a.seat_id
     WHERE a.tenant_id = $1 AND a.performance_id = $2 AND a.status = 'free' AND ($3::text IS NULL OR c.category = $3)
     ORDER BY s.rank, s.area, s.row, s.number`,
    [tenantId, performanceId, category],
  );
}

/**
 * The grouped seat map of seed 004: per physical configuration, the seats free in every
 * performance of the group, with their category on the group's first performance; the chosen
 * category filters the group holding the season ticket's first performance. Map by map when
 * asked, or when no seat is free across the group. The buyer's preferred seat, when free across
 * the group, is selected by default.
 */
export async function groupedSeatMap(ctx: RenewalContext, input: ParsedRequestOf<typeof GroupedSeatMap>): Promise<ReplyOf<typeof GroupedSeatMap>> {
  await loadSeasonTicket(ctx.db, ctx.tenantId, input.seasonTicketId);
  const groups = await loadGroups(ctx.db, ctx.tenantId, input.seasonTicketId);
  const out: ReplyOf<typeof GroupedSeatMap>['groups'] = [];
  for (const [index, g] of groups.entries()) {
    // The chosen category applies on the season ticket's first performance only (seed 004).
    const category = index === 0 ? (input.seatCategory ?? null) : null;
    const first = g.performances[0]!;
    const performanceIds = g.performances.map((p) => p.id);
    const seats = input.mapByMap
      ? []
      : await sql<MapSeat>(
          ctx.db,
          `WITH everywhere AS (
             SELECT seat_id FROM seat_availability
             WHERE tenant_id = $1 AND performance_id = ANY($2::uuid[]) AND status = 'free'
             GROUP BY seat_id HAVING count(*) = $3)
           SELECT s.id AS "seatId", s.area, s.row, s.number, c.category
           FROM everywhere e
           JOIN seats s ON s.tenant_id = $1 AND s.id = e.seat_id
           JOIN logical_configuration_seats c ON c.tenant_id = $1 AND c.logical_configuration_id = $4 AND c.seat_id = e.seat_id
           WHERE $5::text IS NULL OR c.category = $5
           ORDER BY s.rank, s.area, s.row, s.number`,
          [ctx.tenantId, performanceIds, performanceIds.length, first.logicalConfigurationId, category],
        );
    const mapByMap = input.mapByMap || seats.length === 0;
    const maps = mapByMap
      ? await Promise.all(
          g.performances.map(async (p, i) => ({
            performanceId: p.id,
            seats: await freeSeatsOfPerformance(ctx.db, ctx.tenantId, p.id, i === 0 ? category : null),
          })),
        )
      : [];
    const preferred = input.contactId ? await preferredSeat(ctx, input.contactId, g.physicalConfigurationId) : undefined;
    const preselectedSeat = (preferred && seats.find((s) => s.area === preferred.area && s.row === preferred.row && s.number === preferred.number)) ?? null;
    out.push({ physicalConfigurationId: g.physicalConfigurationId, performanceIds, basedOnPerformanceId: first.id, mapByMap, seats, maps, preselectedSeat });
  }
  return { groups: out };
}

async function preferredSeat(ctx: RenewalContext, contactId: string, physicalConfigurationId: string): Promise<SeatPosition | undefined> {
  const [seat] = await sql<SeatPosition>(
    ctx.db,
    `SELECT area, row, number FROM preferred_seats WHERE tenant_id = $1 AND contact_id = $2 AND physical_configuration_id = $3`,
    [ctx.tenantId, contactId, physicalConfigurationId],
  );
  return seat;
}

type Purchase = ParsedRequestOf<typeof PurchaseSeasonTickets>;
type Ticket = Purchase['tickets'][number];

/** Which seat the ticket takes on each performance: one choice covers a group, or one per performance. */
function seatPerPerformance(groups: PerformanceGroup[], ticket: Ticket): Map<string, SeatPosition> {
  const chosen = new Map<string, SeatPosition>();
  const set = (performanceId: string, seat: SeatPosition) => {
    if (chosen.has(performanceId)) {
      throw new DomainError('RENEWAL_SEAT_SELECTION_INCOMPLETE', 'Two seats for the same performance', { performanceId, contactId: ticket.contactId });
    }
    chosen.set(performanceId, { area: seat.area, row: seat.row, number: seat.number });
  };
  for (const choice of ticket.seats) {
    const group =
      'physicalConfigurationId' in choice
        ? groups.find((g) => g.physicalConfigurationId === choice.physicalConfigurationId)
        : groups.find((g) => g.performances.some((p) => p.id === choice.performanceId));
    if (!group) throw new DomainError('RENEWAL_SEAT_SELECTION_INCOMPLETE', 'The seat choice is for no performance of this season ticket', { choice });
    if ('physicalConfigurationId' in choice) for (const p of group.performances) set(p.id, choice);
    else set(choice.performanceId, choice);
  }
  const missing = groups.flatMap((g) => g.performances).filter((p) => !chosen.has(p.id));
  if (missing.length) {
    throw new DomainError('RENEWAL_SEAT_SELECTION_INCOMPLETE', 'Some performances have no seat', { performanceIds: missing.map((p) => p.id) });
  }
  return chosen;
}

/**
 * Sells fixed-seat season tickets at the box office, one per cultural contact, once per order.
 * Each seat must be free on its performance; the chosen category applies on the season ticket's
 * first performance and the others keep the seat's own category (the price follows it). The
 * seats become the contacts' preferred seats.
 */
export async function purchaseSeasonTickets(ctx: RenewalContext, input: Purchase): Promise<ReplyOf<typeof PurchaseSeasonTickets>> {
  return ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'season-tickets.purchase', key: input.orderId }, input, async () => {
      const ticket = await loadSeasonTicket(tx, ctx.tenantId, input.seasonTicketId, true);
      if (ticket.type !== 'fixed-seat') throw new DomainError('RENEWAL_NOT_FIXED_SEAT', 'Only fixed-seat season tickets are sold with seats here');
      const groups = await loadGroups(tx, ctx.tenantId, ticket.id);
      const [{ n }] = (await sql<{ n: number }>(
        tx,
        `SELECT count(*)::int AS n FROM holdings WHERE tenant_id = $1 AND season_ticket_id = $2 AND status <> 'expired'`,
        [ctx.tenantId, ticket.id],
      )) as [{ n: number }];
      if (ticket.quota !== null && n + input.tickets.length > ticket.quota) {
        throw new DomainError('RENEWAL_QUOTA_EXHAUSTED', 'The season ticket quota is used up', { quota: ticket.quota, sold: n });
      }
      const holdings: ReplyOf<typeof PurchaseSeasonTickets>['holdings'] = [];
      const preferred: Parameters<typeof storePreferredSeats>[2] = [];
      const purchasedAt = new Date();
      for (const t of input.tickets) {
        const chosen = seatPerPerformance(groups, t);
        const holdingId = newId();
        const seats: ReplyOf<typeof PurchaseSeasonTickets>['holdings'][number]['seats'] = [];
        for (const g of groups) {
          const positions = g.performances.map((p) => chosen.get(p.id)!);
          const seatIds = await resolveSeats(tx, ctx.tenantId, g.physicalConfigurationId, positions);
          const categories = await sql<{ category: string | null }>(
            tx,
            `SELECT c.category FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS x(lc, seat, i)
             LEFT JOIN logical_configuration_seats c ON c.tenant_id = $1 AND c.logical_configuration_id = x.lc AND c.seat_id = x.seat
             ORDER BY x.i`,
            [ctx.tenantId, g.performances.map((p) => p.logicalConfigurationId), seatIds],
          );
          g.performances.forEach((p, i) => {
            const category = categories[i]!.category;
            if (category === null) throw new DomainError('RENEWAL_SEAT_UNAVAILABLE', 'The seat is not sold for this performance', { performanceId: p.id });
            seats.push({ ...positions[i]!, performanceId: p.id, seatId: seatIds[i]!, category });
          });
          const firstSeat = seats[seats.length - g.performances.length]!;
          if (g === groups[0] && firstSeat.category !== t.seatCategory) {
            throw new DomainError('RENEWAL_SEAT_NOT_IN_CATEGORY', `The seat is ${firstSeat.category} on the first performance`, {
              performanceId: firstSeat.performanceId,
              category: firstSeat.category,
            });
          }
          preferred.push({ contactId: t.contactId, physicalConfigurationId: g.physicalConfigurationId, seat: firstSeat });
        }
        const inserted = await sql(
          tx,
          `INSERT INTO holdings (tenant_id, id, season_ticket_id, contact_id, order_id, status) VALUES ($1, $2, $3, $4, $5, 'sold')
           ON CONFLICT (tenant_id, season_ticket_id, contact_id) WHERE status <> 'expired' DO NOTHING RETURNING id`,
          [ctx.tenantId, holdingId, ticket.id, t.contactId, input.orderId],
        );
        if (!inserted.length) throw new DomainError('RENEWAL_CONTACT_ALREADY_HOLDER', 'The contact already holds this season ticket', { contactId: t.contactId });
        await takeSeats(tx, ctx.tenantId, holdingId, 'sold', seats);
        holdings.push({ holdingId, contactId: t.contactId, seats });
      }
      await storePreferredSeats(tx, ctx.tenantId, preferred, input.orderId, purchasedAt);
      return { holdings };
    }),
  );
}

/** Marks seats held or sold for a holding; refuses the whole lot if one of them is not free. */
export async function takeSeats(
  tx: Tx,
  tenantId: string,
  holdingId: string,
  status: 'held' | 'sold',
  seats: { performanceId: string; seatId: string; category: string }[],
): Promise<void> {
  const [taken] = await sql<{ n: number }>(
    tx,
    `WITH u AS (
       UPDATE seat_availability a SET status = $3, holding_id = $2
       FROM unnest($4::uuid[], $5::uuid[]) AS x(p, s)
       WHERE a.tenant_id = $1 AND a.performance_id = x.p AND a.seat_id = x.s AND a.status = 'free'
       RETURNING 1)
     SELECT count(*)::int AS n FROM u`,
    [tenantId, holdingId, status, seats.map((s) => s.performanceId), seats.map((s) => s.seatId)],
  );
  if (taken!.n !== seats.length) throw new DomainError('RENEWAL_SEAT_UNAVAILABLE', 'A seat is not free for every performance it was chosen for');
  await tx.query(
    `INSERT INTO holding_seats (tenant_id, holding_id, performance_id, seat_id, category)
     SELECT $1, $2, x.p, x.s, x.c FROM unnest($3::uuid[], $4::uuid[], $5::text[]) AS x(p, s, c)`,
    [tenantId, holdingId, seats.map((s) => s.performanceId), seats.map((s) => s.seatId), seats.map((s) => s.category)],
  );
}
