import {
  DomainError,
  RenewalRunCompleted,
  SeasonTicketRenewed,
  type GetRenewalRun,
  type ListRenewalRuns,
  type ParsedRequestOf,
  type RenewalDecision,
  type RenewalRunSummary,
  type ReplyOf,
  type SeatPosition,
  type StartRenewalRun,
} from '@tlp/contracts';
import { enqueueEvent, enqueueEvents, newId, onceByKey, sql, type Logger, type NewEvent, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import { RATIONALE, type GroupDecision } from '../domain/decision-table';
import { RenewalBatch, type BatchGroup, type BatchHolder, type HolderDecision } from '../domain/renewal-batch';
import { SeatPool, type PoolSeat } from '../domain/seat-pool';
import type { RenewalContext } from './context';
import { loadGroups, loadSeasonTicket, type PerformanceGroup } from './season-tickets';

export interface RunOptions {
  /** Holders decided and written per transaction. */
  chunkSize: number;
  /** A pause between chunks, to spare the database while box offices sell. */
  chunkPauseMs: number;
}

interface RunRow {
  id: string;
  origin: string;
  target: string;
  strategy: ParsedRequestOf<typeof StartRenewalRun>['renewStrategy'];
  createReservation: ParsedRequestOf<typeof StartRenewalRun>['createReservation'];
  reservationDays: number;
  status: 'pending' | 'running' | 'completed';
}

/** A seat or a holder changed under the run (a sale at the box office): the run reloads and goes on. */
class RunStateMoved extends Error {}

export async function startRun(ctx: RenewalContext, input: ParsedRequestOf<typeof StartRenewalRun>): Promise<{ runId: string }> {
  if (input.originSeasonTicketId === input.targetSeasonTicketId) {
    throw new DomainError('RENEWAL_SAME_SEASON_TICKET', 'A season ticket is renewed into another one');
  }
  return ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'runs.start', key: input.runKey }, input, async () => {
      await loadSeasonTicket(tx, ctx.tenantId, input.originSeasonTicketId);
      const target = await loadSeasonTicket(tx, ctx.tenantId, input.targetSeasonTicketId);
      if (target.type !== 'fixed-seat') throw new DomainError('RENEWAL_NOT_FIXED_SEAT', 'The target season ticket must be of the fixed-seat type');
      const runId = newId();
      await tx.query(
        `INSERT INTO renewal_runs (tenant_id, id, run_key, origin_season_ticket_id, target_season_ticket_id, renew_strategy, create_reservation, reservation_days)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [ctx.tenantId, runId, input.runKey, input.originSeasonTicketId, input.targetSeasonTicketId, input.renewStrategy, input.createReservation, input.reservationDays],
      );
      ctx.log.info({ runId }, 'renewal run queued');
      return { runId };
    }),
  );
}

type SummaryRow = Omit<RenewalRunSummary, 'createdAt' | 'completedAt'> & { createdAt: Date; completedAt: Date | null };

const summaryColumns = `id AS "runId", run_key AS "runKey", origin_season_ticket_id AS "originSeasonTicketId", target_season_ticket_id AS "targetSeasonTicketId",
  status, renew_strategy AS "renewStrategy", create_reservation AS "createReservation", reservation_days AS "reservationDays",
  created_at AS "createdAt", completed_at AS "completedAt"`;

const toSummary = (r: SummaryRow): RenewalRunSummary => ({
  ...r,
  createdAt: new Date(r.createdAt).toISOString(),
  completedAt: r.completedAt === null ? null : new Date(r.completedAt).toISOString(),
});

/** The tenant's runs, newest first; a tenant has a few per season, so the primary key's tenant prefix is enough. */
export async function listRuns(ctx: RenewalContext, input: ParsedRequestOf<typeof ListRenewalRuns>): Promise<ReplyOf<typeof ListRenewalRuns>> {
  const rows = await sql<SummaryRow>(ctx.db, `SELECT ${summaryColumns} FROM renewal_runs WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [
    ctx.tenantId,
    input.limit,
  ]);
  return { runs: rows.map(toSummary) };
}

export async function getRun(ctx: RenewalContext, input: ParsedRequestOf<typeof GetRenewalRun>): Promise<ReplyOf<typeof GetRenewalRun>> {
  const [found] = await sql<SummaryRow>(ctx.db, `SELECT ${summaryColumns} FROM renewal_runs WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.runId]);
  if (!found) throw new DomainError('RENEWAL_RUN_UNKNOWN', 'Unknown renewal run');
  const run = toSummary(found);
  const counts = await sql<{ outcome: string; reason: string | null; n: number; changed: number }>(
    ctx.db,
    `SELECT outcome, reason, count(*)::int AS n, count(*) FILTER (WHERE seat_changed)::int AS changed
     FROM renewal_decisions WHERE tenant_id = $1 AND run_id = $2 GROUP BY outcome, reason`,
    [ctx.tenantId, run.runId],
  );
  const decisions = await sql<Omit<RenewalDecision, 'groups'> & { groups: Omit<RenewalDecision['groups'][number], 'rationale'>[] }>(
    ctx.db,
    `SELECT origin_holding_id AS "originHoldingId", contact_id AS "contactId", step, outcome, reason, seat_changed AS "seatChanged", reserved, groups
     FROM renewal_decisions WHERE tenant_id = $1 AND run_id = $2 ORDER BY seq LIMIT $3 OFFSET $4`,
    [ctx.tenantId, run.runId, input.limit, input.offset],
  );
  const notRenewedByReason: Record<string, number> = {};
  for (const c of counts) if (c.reason) notRenewedByReason[c.reason] = c.n;
  const sum = (f: (c: (typeof counts)[number]) => number) => counts.reduce((t, c) => t + f(c), 0);
  return {
    ...run,
    renewed: sum((c) => (c.outcome === 'renewed' ? c.n : 0)),
    notRenewed: sum((c) => (c.outcome === 'renewed' ? 0 : c.n)),
    seatChanges: sum((c) => (c.outcome === 'renewed' ? c.changed : 0)),
    notRenewedByReason,
    decisions: decisions.map((d) => ({ ...d, groups: d.groups.map((g) => ({ ...g, rationale: RATIONALE[g.row]! })) })),
  };
}

async function loadRun(db: DataSource | Tx, tenantId: string, runId: string): Promise<RunRow | undefined> {
  const [run] = await sql<RunRow>(
    db,
    `SELECT id, origin_season_ticket_id AS origin, target_season_ticket_id AS target, renew_strategy AS strategy,
            create_reservation AS "createReservation", reservation_days AS "reservationDays", status
     FROM renewal_runs WHERE tenant_id = $1 AND id = $2`,
    [tenantId, runId],
  );
  return run;
}

/** Runs not finished yet, oldest first: the job picks them up, including one a crash interrupted. */
export async function openRuns(db: DataSource): Promise<{ tenantId: string; runId: string }[]> {
  return sql(db, `SELECT tenant_id AS "tenantId", id AS "runId" FROM renewal_runs WHERE status <> 'completed' ORDER BY created_at LIMIT 10`);
}

/**
 * Executes (or resumes) a renewal run. One executor per run at a time (an advisory lock held by a
 * dedicated connection). Each chunk writes its decisions, holdings, seats and events in one
 * transaction; a resumed run reloads the seats from the database and skips holders already
 * decided, so nobody is renewed twice.
 */
export async function executeRun(db: DataSource, log: Logger, tenantId: string, runId: string, opts: RunOptions): Promise<'completed' | 'busy'> {
  const lock = db.createQueryRunner();
  await lock.connect();
  const lockKey = `renewal-run:${tenantId}:${runId}`;
  try {
    const [got] = (await lock.query(`SELECT pg_try_advisory_lock(hashtext($1)) AS ok`, [lockKey])) as { ok: boolean }[];
    if (!got?.ok) return 'busy';
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await runOnce(db, log, tenantId, runId, opts);
          return 'completed';
        } catch (e) {
          if (!(e instanceof RunStateMoved) || attempt >= 5) throw e;
          log.warn({ runId, attempt, why: e.message }, 'seats changed under the renewal run; reloading');
        }
      }
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [lockKey]);
    }
  } finally {
    await lock.release();
  }
}

interface GroupPair {
  target: PerformanceGroup;
  origin: PerformanceGroup | undefined;
  /** Area/row/number of the origin seat mean something only in the same space. */
  sameSpace: boolean;
}

async function runOnce(db: DataSource, log: Logger, tenantId: string, runId: string, opts: RunOptions): Promise<void> {
  const run = await loadRun(db, tenantId, runId);
  if (!run || run.status === 'completed') return;
  await db.query(`UPDATE renewal_runs SET status = 'running' WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`, [tenantId, runId]);
  const target = await loadSeasonTicket(db, tenantId, run.target);
  const originGroups = await loadGroups(db, tenantId, run.origin);
  const pairs: GroupPair[] = (await loadGroups(db, tenantId, run.target)).map((t) => {
    const origin =
      originGroups.find((o) => o.physicalConfigurationId === t.physicalConfigurationId) ??
      originGroups.find((o) => o.spaceId === t.spaceId) ??
      originGroups[0];
    return { target: t, origin, sameSpace: origin?.spaceId === t.spaceId };
  });
  const groups: BatchGroup[] = await Promise.all(
    pairs.map(async (p) => ({
      physicalConfigurationId: p.target.physicalConfigurationId,
      samePhysicalConfiguration: p.origin?.physicalConfigurationId === p.target.physicalConfigurationId,
      pool: new SeatPool(await loadPoolSeats(db, tenantId, p.target)),
    })),
  );
  const holders = await loadHolders(db, tenantId, run, pairs);
  const [state] = await sql<{ active: number; seq: number }>(
    db,
    `SELECT (SELECT count(*)::int FROM holdings WHERE tenant_id = $1 AND season_ticket_id = $2 AND status <> 'expired') AS active,
            (SELECT coalesce(max(seq), 0)::int FROM renewal_decisions WHERE tenant_id = $1 AND run_id = $3) AS seq`,
    [tenantId, run.target, runId],
  );
  const quotaLeft = (target.quota ?? Number.MAX_SAFE_INTEGER) - state!.active;
  log.info({ runId, holders: holders.length, resumedAfter: state!.seq }, 'renewal run executing');
  let seq = state!.seq;
  let chunk: HolderDecision[] = [];
  const flush = async () => {
    const started = Date.now();
    await persistChunk(db, tenantId, run, pairs, chunk, seq);
    seq += chunk.length;
    log.debug({ runId, decided: seq, renewed: chunk.filter((d) => d.outcome === 'renewed').length, ms: Date.now() - started }, 'renewal chunk written');
    chunk = [];
    if (opts.chunkPauseMs > 0) await new Promise((r) => setTimeout(r, opts.chunkPauseMs));
  };
  for (const decision of new RenewalBatch(groups, quotaLeft, run.strategy).decide(holders)) {
    chunk.push(decision);
    if (chunk.length >= opts.chunkSize) await flush();
  }
  if (chunk.length) await flush();
  await db.transaction(async (tx) => {
    const done = await sql(tx, `UPDATE renewal_runs SET status = 'completed', completed_at = now() WHERE tenant_id = $1 AND id = $2 AND status <> 'completed' RETURNING 1`, [
      tenantId,
      runId,
    ]);
    if (!done.length) return;
    const [c] = await sql<{ renewed: number; notRenewed: number; seatChanges: number }>(
      tx,
      `SELECT count(*) FILTER (WHERE outcome = 'renewed')::int AS renewed, count(*) FILTER (WHERE outcome <> 'renewed')::int AS "notRenewed",
              count(*) FILTER (WHERE outcome = 'renewed' AND seat_changed)::int AS "seatChanges"
       FROM renewal_decisions WHERE tenant_id = $1 AND run_id = $2`,
      [tenantId, runId],
    );
    await enqueueEvent(tx, { contract: RenewalRunCompleted, tenantId, data: { runId, ...c! } });
    log.info({ runId, ...c }, 'renewal run completed');
  });
}

/** The target group's seats with their category on its first performance, free when free in every performance. */
async function loadPoolSeats(db: DataSource, tenantId: string, g: PerformanceGroup): Promise<(PoolSeat & { free: boolean })[]> {
  return sql(
    db,
    `WITH everywhere AS (
       SELECT seat_id FROM seat_availability
       WHERE tenant_id = $1 AND performance_id = ANY($2::uuid[]) AND status = 'free'
       GROUP BY seat_id HAVING count(*) = $3)
     SELECT s.id AS "seatId", s.area, s.row, s.number, s.rank, c.category, e.seat_id IS NOT NULL AS free
     FROM logical_configuration_seats c
     JOIN seats s ON s.tenant_id = c.tenant_id AND s.id = c.seat_id
     LEFT JOIN everywhere e ON e.seat_id = c.seat_id
     WHERE c.tenant_id = $1 AND c.logical_configuration_id = $4`,
    [tenantId, g.performances.map((p) => p.id), g.performances.length, g.performances[0]!.logicalConfigurationId],
  );
}

/** Holders of the origin not decided yet by this run, in purchase order, with what the table needs per target group. */
async function loadHolders(db: DataSource, tenantId: string, run: RunRow, pairs: GroupPair[]): Promise<BatchHolder[]> {
  const rows = await sql<{ id: string; contactId: string; alreadyHolder: boolean }>(
    db,
    `SELECT h.id, h.contact_id AS "contactId",
            EXISTS (SELECT 1 FROM holdings t WHERE t.tenant_id = h.tenant_id AND t.season_ticket_id = $3 AND t.contact_id = h.contact_id AND t.status <> 'expired') AS "alreadyHolder"
     FROM holdings h
     WHERE h.tenant_id = $1 AND h.season_ticket_id = $2 AND h.status = 'sold'
       AND NOT EXISTS (SELECT 1 FROM renewal_decisions d WHERE d.tenant_id = h.tenant_id AND d.run_id = $4 AND d.origin_holding_id = h.id)
     ORDER BY h.created_at, h.id`,
    [tenantId, run.origin, run.target, run.id],
  );
  const originSeats = new Map<string, Map<string, SeatPosition & { category: string }>>();
  for (const p of pairs) {
    if (!p.origin || originSeats.has(p.origin.physicalConfigurationId)) continue;
    const seats = await sql<SeatPosition & { holdingId: string; category: string }>(
      db,
      `SELECT hs.holding_id AS "holdingId", s.area, s.row, s.number, hs.category
       FROM holding_seats hs JOIN seats s ON s.tenant_id = hs.tenant_id AND s.id = hs.seat_id
       JOIN holdings h ON h.tenant_id = hs.tenant_id AND h.id = hs.holding_id
       WHERE hs.tenant_id = $1 AND hs.performance_id = $2 AND h.season_ticket_id = $3`,
      [tenantId, p.origin.performances[0]!.id, run.origin],
    );
    originSeats.set(p.origin.physicalConfigurationId, new Map(seats.map((s) => [s.holdingId, s])));
  }
  const preferred = await Promise.all(
    pairs.map(async (p) => {
      const seats = await sql<SeatPosition & { contactId: string }>(
        db,
        `SELECT contact_id AS "contactId", area, row, number FROM preferred_seats WHERE tenant_id = $1 AND physical_configuration_id = $2`,
        [tenantId, p.target.physicalConfigurationId],
      );
      return new Map(seats.map((s) => [s.contactId, s]));
    }),
  );
  return rows.map((h) => ({
    originHoldingId: h.id,
    contactId: h.contactId,
    alreadyHolder: h.alreadyHolder,
    groups: pairs.map((p, i) => {
      const origin = p.origin && originSeats.get(p.origin.physicalConfigurationId)?.get(h.id);
      return {
        originCategory: origin?.category ?? '',
        originSeat: origin && p.sameSpace ? origin : null,
        preferredSeat: preferred[i]!.get(h.contactId) ?? null,
      };
    }),
  }));
}

/** Stored without the rationale, which the row determines: most of the bytes of a 100,000-holder run. */
const groupJson = (pairs: GroupPair[], decisions: (GroupDecision | null)[]) =>
  decisions.flatMap((d, i) =>
    d
      ? [
          {
            physicalConfigurationId: pairs[i]!.target.physicalConfigurationId,
            row: d.row,
            source: d.source,
            seat: d.seat && { seatId: d.seat.seatId, area: d.seat.area, row: d.seat.row, number: d.seat.number, category: d.seat.category },
          },
        ]
      : [],
  );

/** Writes one chunk: holdings, seats taken on every performance, decisions and events, all or nothing. */
async function persistChunk(db: DataSource, tenantId: string, run: RunRow, pairs: GroupPair[], chunk: HolderDecision[], seqBefore: number): Promise<void> {
  const reservedUntil = new Date(Date.now() + run.reservationDays * 86_400_000);
  const renewed = chunk
    .filter((d) => d.outcome === 'renewed')
    .map((d) => ({
      d,
      holdingId: newId(),
      reserved: run.createReservation === 'YES' || (run.createReservation === 'SEAT_CHANGED_ONLY' && d.seatChanged),
    }));
  const targetHolding = new Map(renewed.map((r) => [r.d.holder.originHoldingId, r]));
  await db.transaction(async (tx) => {
    if (renewed.length) {
      // The season ticket's row lock serialises this chunk with box-office sales, which check the quota the same way.
      const [quota] = await sql<{ quota: number | null; active: number }>(
        tx,
        `SELECT quota, (SELECT count(*)::int FROM holdings WHERE tenant_id = $1 AND season_ticket_id = $2 AND status <> 'expired') AS active
         FROM season_tickets WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
        [tenantId, run.target],
      );
      if (quota!.quota !== null && quota!.active + renewed.length > quota!.quota) throw new RunStateMoved('the quota was used by sales during the run');
      const inserted = await sql(
        tx,
        `INSERT INTO holdings (tenant_id, id, season_ticket_id, contact_id, renewal_run_id, status, reserved_until)
         SELECT $1, x.id, $2, x.contact, $3, CASE WHEN x.reserved THEN 'reserved' ELSE 'sold' END, CASE WHEN x.reserved THEN $6::timestamptz END
         FROM unnest($4::uuid[], $5::text[], $7::boolean[]) AS x(id, contact, reserved)
         ON CONFLICT (tenant_id, season_ticket_id, contact_id) WHERE status <> 'expired' DO NOTHING RETURNING id`,
        [tenantId, run.target, run.id, renewed.map((r) => r.holdingId), renewed.map((r) => r.d.holder.contactId), reservedUntil, renewed.map((r) => r.reserved)],
      );
      if (inserted.length !== renewed.length) throw new RunStateMoved('a holder already holds the target season ticket');
      const seatsOf = renewed.map((r) =>
        pairs.flatMap((p, i) => p.target.performances.map((perf) => ({ holding: r.holdingId, perf: perf.id, seat: r.d.groups[i]!.seat!, held: r.reserved }))),
      );
      const seatRows = seatsOf.flat();
      const [taken] = await sql<{ n: number }>(
        tx,
        `WITH u AS (
           UPDATE seat_availability a SET status = CASE WHEN x.held THEN 'held' ELSE 'sold' END, holding_id = x.h
           FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::boolean[]) AS x(p, s, h, held)
           WHERE a.tenant_id = $1 AND a.performance_id = x.p AND a.seat_id = x.s AND a.status = 'free'
           RETURNING 1)
         SELECT count(*)::int AS n FROM u`,
        [tenantId, seatRows.map((s) => s.perf), seatRows.map((s) => s.seat.seatId), seatRows.map((s) => s.holding), seatRows.map((s) => s.held)],
      );
      if (taken!.n !== seatRows.length) throw new RunStateMoved('a seat was taken since the run loaded the seats');
      const categories = await sql<{ h: string; p: string; category: string }>(
        tx,
        `INSERT INTO holding_seats (tenant_id, holding_id, performance_id, seat_id, category)
         SELECT $1, x.h, x.p, x.s, c.category
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[]) AS x(h, p, s)
         JOIN performances pf ON pf.tenant_id = $1 AND pf.id = x.p
         JOIN logical_configuration_seats c ON c.tenant_id = $1 AND c.logical_configuration_id = pf.logical_configuration_id AND c.seat_id = x.s
         RETURNING holding_id AS h, performance_id AS p, category`,
        [tenantId, seatRows.map((s) => s.holding), seatRows.map((s) => s.perf), seatRows.map((s) => s.seat.seatId)],
      );
      const categoryOf = new Map(categories.map((c) => [`${c.h}|${c.p}`, c.category]));
      const events: NewEvent[] = renewed.map((r, i) => ({
        contract: SeasonTicketRenewed,
        tenantId,
        data: {
          runId: run.id,
          contactId: r.d.holder.contactId,
          originHoldingId: r.d.holder.originHoldingId,
          holdingId: r.holdingId,
          targetSeasonTicketId: run.target,
          seatChanged: r.d.seatChanged,
          reservedUntil: r.reserved ? reservedUntil.toISOString() : null,
          seats: seatsOf[i]!.map((s) => ({
              performanceId: s.perf,
              seatId: s.seat.seatId,
              area: s.seat.area,
              row: s.seat.row,
              number: s.seat.number,
              category: categoryOf.get(`${s.holding}|${s.perf}`)!,
            })),
        },
      }));
      await enqueueEvents(tx, events);
    }
    const written = await sql(
      tx,
      `INSERT INTO renewal_decisions (tenant_id, run_id, origin_holding_id, seq, contact_id, step, outcome, reason, seat_changed, reserved, target_holding_id, groups)
       SELECT $1, $2, x.o, x.seq, x.c, x.step, x.outcome, x.reason, x.changed, x.reserved, x.t, x.groups
       FROM unnest($3::uuid[], $4::int[], $5::text[], $6::int[], $7::text[], $8::text[], $9::boolean[], $10::boolean[], $11::uuid[], $12::jsonb[])
         AS x(o, seq, c, step, outcome, reason, changed, reserved, t, groups)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [
        tenantId,
        run.id,
        chunk.map((d) => d.holder.originHoldingId),
        chunk.map((_, i) => seqBefore + i + 1),
        chunk.map((d) => d.holder.contactId),
        chunk.map((d) => d.step),
        chunk.map((d) => d.outcome),
        chunk.map((d) => d.reason),
        chunk.map((d) => d.seatChanged),
        chunk.map((d) => targetHolding.get(d.holder.originHoldingId)?.reserved ?? false),
        chunk.map((d) => targetHolding.get(d.holder.originHoldingId)?.holdingId ?? null),
        chunk.map((d) => JSON.stringify(groupJson(pairs, d.groups))),
      ],
    );
    if (written.length !== chunk.length) throw new RunStateMoved('another executor decided some holders');
  });
}
