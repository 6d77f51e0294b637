import { DomainError, type CreateLogicalConfiguration, type CreatePerformance, type CreatePhysicalConfiguration, type ParsedRequestOf, type SeatPosition } from '@tlp/contracts';
import { newId, sql, type Tx } from '@tlp/platform';
import type { RenewalContext } from './context';

const key = (p: SeatPosition) => `${p.area}/${p.row}/${p.number}`;

function refuseDuplicates(seats: SeatPosition[]): void {
  const seen = new Set<string>();
  for (const s of seats) {
    if (seen.has(key(s))) throw new DomainError('RENEWAL_SEAT_DUPLICATED', `Seat ${key(s)} is listed twice`, { seat: s });
    seen.add(key(s));
  }
}

export async function createSpace(ctx: RenewalContext, input: { name: string }): Promise<{ spaceId: string }> {
  const spaceId = newId();
  await ctx.db.query(`INSERT INTO spaces (tenant_id, id, name) VALUES ($1, $2, $3)`, [ctx.tenantId, spaceId, input.name]);
  return { spaceId };
}

export async function createPhysicalConfiguration(
  ctx: RenewalContext,
  input: ParsedRequestOf<typeof CreatePhysicalConfiguration>,
): Promise<{ physicalConfigurationId: string; seats: number }> {
  refuseDuplicates(input.seats);
  return ctx.db.transaction(async (tx) => {
    const [space] = await sql(tx, `SELECT 1 FROM spaces WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.spaceId]);
    if (!space) throw new DomainError('NOT_FOUND', 'Unknown space');
    const physicalConfigurationId = newId();
    await tx.query(`INSERT INTO physical_configurations (tenant_id, id, space_id, name) VALUES ($1, $2, $3, $4)`, [
      ctx.tenantId,
      physicalConfigurationId,
      input.spaceId,
      input.name,
    ]);
    await tx.query(
      `INSERT INTO seats (tenant_id, id, physical_configuration_id, area, row, number, rank)
       SELECT $1, x.id, $2, x.area, x.row, x.number, x.rank
       FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[]) AS x(id, area, row, number, rank)`,
      [
        ctx.tenantId,
        physicalConfigurationId,
        input.seats.map(() => newId()),
        input.seats.map((s) => s.area),
        input.seats.map((s) => s.row),
        input.seats.map((s) => s.number),
        input.seats.map((s, i) => s.rank ?? i),
      ],
    );
    return { physicalConfigurationId, seats: input.seats.length };
  });
}

/** Seat ids of positions in a physical configuration; a position it does not have is refused. */
export async function resolveSeats(
  tx: Tx,
  tenantId: string,
  physicalConfigurationId: string,
  positions: SeatPosition[],
): Promise<string[]> {
  const rows = await sql<{ i: number; id: string | null }>(
    tx,
    `SELECT x.i, s.id FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS x(area, row, number, i)
     LEFT JOIN seats s ON s.tenant_id = $1 AND s.physical_configuration_id = $2 AND s.area = x.area AND s.row = x.row AND s.number = x.number
     ORDER BY x.i`,
    [tenantId, physicalConfigurationId, positions.map((p) => p.area), positions.map((p) => p.row), positions.map((p) => p.number)],
  );
  const missing = rows.filter((r) => r.id === null).map((r) => positions[Number(r.i) - 1]!);
  if (missing.length) {
    throw new DomainError('RENEWAL_SEAT_NOT_IN_CONFIGURATION', `${missing.length} seat(s) are not in the physical configuration`, {
      seats: missing.slice(0, 20),
    });
  }
  return rows.map((r) => r.id!);
}

export async function createLogicalConfiguration(
  ctx: RenewalContext,
  input: ParsedRequestOf<typeof CreateLogicalConfiguration>,
): Promise<{ logicalConfigurationId: string }> {
  refuseDuplicates(input.seats);
  return ctx.db.transaction(async (tx) => {
    const [pc] = await sql(tx, `SELECT 1 FROM physical_configurations WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.physicalConfigurationId]);
    if (!pc) throw new DomainError('NOT_FOUND', 'Unknown physical configuration');
    const seatIds = await resolveSeats(tx, ctx.tenantId, input.physicalConfigurationId, input.seats);
    const logicalConfigurationId = newId();
    await tx.query(`INSERT INTO logical_configurations (tenant_id, id, physical_configuration_id, name) VALUES ($1, $2, $3, $4)`, [
      ctx.tenantId,
      logicalConfigurationId,
      input.physicalConfigurationId,
      input.name,
    ]);
    await tx.query(
      `INSERT INTO logical_configuration_seats (tenant_id, logical_configuration_id, seat_id, category)
       SELECT $1, $2, x.seat, x.category FROM unnest($3::uuid[], $4::text[]) AS x(seat, category)`,
      [ctx.tenantId, logicalConfigurationId, seatIds, input.seats.map((s) => s.category)],
    );
    return { logicalConfigurationId };
  });
}

/** A performance starts with every seat of its logical configuration free. */
export async function createPerformance(ctx: RenewalContext, input: ParsedRequestOf<typeof CreatePerformance>): Promise<{ performanceId: string }> {
  return ctx.db.transaction(async (tx) => {
    const [lc] = await sql(tx, `SELECT 1 FROM logical_configurations WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.logicalConfigurationId]);
    if (!lc) throw new DomainError('NOT_FOUND', 'Unknown logical configuration');
    const performanceId = newId();
    await tx.query(`INSERT INTO performances (tenant_id, id, logical_configuration_id, name, starts_at) VALUES ($1, $2, $3, $4, $5)`, [
      ctx.tenantId,
      performanceId,
      input.logicalConfigurationId,
      input.name,
      input.startsAt,
    ]);
    await tx.query(
      `INSERT INTO seat_availability (tenant_id, performance_id, seat_id)
       SELECT tenant_id, $2, seat_id FROM logical_configuration_seats WHERE tenant_id = $1 AND logical_configuration_id = $3`,
      [ctx.tenantId, performanceId, input.logicalConfigurationId],
    );
    return { performanceId };
  });
}

export async function performanceAvailability(ctx: RenewalContext, input: { performanceId: string }): Promise<{ free: number; held: number; sold: number }> {
  const [perf] = await sql(ctx.db, `SELECT 1 FROM performances WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.performanceId]);
  if (!perf) throw new DomainError('RENEWAL_PERFORMANCE_UNKNOWN', 'Unknown performance');
  const rows = await sql<{ status: 'free' | 'held' | 'sold'; n: number }>(
    ctx.db,
    `SELECT status, count(*)::int AS n FROM seat_availability WHERE tenant_id = $1 AND performance_id = $2 GROUP BY status`,
    [ctx.tenantId, input.performanceId],
  );
  const counts = { free: 0, held: 0, sold: 0 };
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
