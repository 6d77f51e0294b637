/**
 * `pnpm bench renewal`: one renewal run over a venue of 40,000 seats in two physical
 * configurations (a stand kept as is, an arena re-laid out) for 100,000 origin holders.
 * Data are seeded with set-based SQL; the run is the service's own executeRun.
 * Holders outnumber the seats 2.5 to 1 (the figures), so most are refused: the batch
 * still decides, records and reports every one of them.
 */
import { createLogger, newId, openDatabase, PlatformTables1763856000000, sql } from '@tlp/platform';
import { randomBytes } from 'node:crypto';
import { executeRun } from '../src/app/runs';
import { RenewalSchema1763900000000 } from '../src/db/migrations';

const HOLDERS = 100_000;
const tenant = 'bench';
const schema = `bench_renewal_${randomBytes(4).toString('hex')}`;
const log = createLogger('renewal-bench', process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn');

async function main(): Promise<void> {
  const db = await openDatabase({
    url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    schema,
    migrations: [PlatformTables1763856000000, RenewalSchema1763900000000],
    poolSize: 4,
    runMigrations: true,
    logger: log,
  });
  try {
    const seedStart = Date.now();
    const ids = await seed(db);
    console.log(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
    const started = process.hrtime.bigint();
    await executeRun(db, log, tenant, ids.runId, { chunkSize: 2000, chunkPauseMs: 0 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const outcome = await sql<{ outcome: string; reason: string | null; step: number; n: number }>(
      db,
      `SELECT outcome, reason, step, count(*)::int AS n FROM renewal_decisions WHERE run_id = $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [ids.runId],
    );
    const rows = await sql<{ row: number; n: number }>(
      db,
      `SELECT (g->>'row')::int AS row, count(*)::int AS n FROM renewal_decisions, jsonb_array_elements(groups) g WHERE run_id = $1 GROUP BY 1 ORDER BY 1`,
      [ids.runId],
    );
    console.log('decisions', JSON.stringify(outcome));
    console.log('table rows used', JSON.stringify(Object.fromEntries(rows.map((r) => [r.row, r.n]))));
    console.log(
      JSON.stringify({
        bench: 'renewal',
        holders: HOLDERS,
        seconds: Number(seconds.toFixed(2)),
        holdersPerSec: Math.round(HOLDERS / seconds),
        peakRssMb: Math.round(peakRss / 1024 / 1024),
      }),
    );
  } finally {
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.destroy();
  }
}

/** 20 areas x 40 rows x 25 seats = 20,000 seats per configuration; categories by row. */
async function seed(db: Awaited<ReturnType<typeof openDatabase>>): Promise<{ runId: string }> {
  const id = () => newId();
  const stand = id();
  const arena = id();
  const [pcStand, pcArena2025, pcArena2026] = [id(), id(), id()];
  await db.query(`INSERT INTO spaces (tenant_id, id, name) VALUES ($1, $2, 'North stand'), ($1, $3, 'Arena')`, [tenant, stand, arena]);
  await db.query(
    `INSERT INTO physical_configurations (tenant_id, id, space_id, name) VALUES ($1, $2, $3, 'stand'), ($1, $4, $5, 'arena 2025'), ($1, $6, $5, 'arena 2026')`,
    [tenant, pcStand, stand, pcArena2025, arena, pcArena2026],
  );
  // The 2026 arena renames its last area: 1,000 seats have no counterpart with the same area/row/number.
  for (const [pc, lastArea] of [
    [pcStand, 'S20'],
    [pcArena2025, 'S20'],
    [pcArena2026, 'T20'],
  ] as const) {
    await db.query(
      `INSERT INTO seats (tenant_id, id, physical_configuration_id, area, row, number, rank)
       SELECT $1, gen_random_uuid(), $2::uuid, CASE WHEN a = 20 THEN $3 ELSE 'S' || a END, r::text, n::text, (r - 1) * 500 + (a - 1) * 25 + n
       FROM generate_series(1, 20) a, generate_series(1, 40) r, generate_series(1, 25) n`,
      [tenant, pc, lastArea],
    );
  }
  const category = (shift: number) => `CASE WHEN s.row::int <= ${10 + shift} THEN 'CAT1' WHEN s.row::int <= 25 THEN 'CAT2' ELSE 'CAT3' END`;
  const logical = async (pc: string, shift: number) => {
    const lc = id();
    await db.query(`INSERT INTO logical_configurations (tenant_id, id, physical_configuration_id, name) VALUES ($1, $2, $3, 'lc')`, [tenant, lc, pc]);
    await db.query(
      `INSERT INTO logical_configuration_seats (tenant_id, logical_configuration_id, seat_id, category)
       SELECT $1, $2::uuid, s.id, ${category(shift)} FROM seats s WHERE s.tenant_id = $1 AND s.physical_configuration_id = $3`,
      [tenant, lc, pc],
    );
    return lc;
  };
  // 2026: row 10 of the stand moves to category 2, so those holders are not renewed (row 2).
  const [lcStand2025, lcStand2026, lcArena2025, lcArena2026] = [
    await logical(pcStand, 0),
    await logical(pcStand, -1),
    await logical(pcArena2025, 0),
    await logical(pcArena2026, 0),
  ];
  const performance = async (lc: string, day: number) => {
    const p = id();
    await db.query(`INSERT INTO performances (tenant_id, id, logical_configuration_id, name, starts_at) VALUES ($1, $2, $3, 'match', $4)`, [
      tenant,
      p,
      lc,
      new Date(Date.UTC(2026, 0, day)).toISOString(),
    ]);
    await db.query(
      `INSERT INTO seat_availability (tenant_id, performance_id, seat_id) SELECT $1, $2::uuid, seat_id FROM logical_configuration_seats WHERE tenant_id = $1 AND logical_configuration_id = $3`,
      [tenant, p, lc],
    );
    return p;
  };
  const originStand = await performance(lcStand2025, 1);
  const originArena = await performance(lcArena2025, 2);
  const targetPerformances = [
    ...(await Promise.all([1, 2, 3].map((d) => performance(lcStand2026, 100 + d)))),
    ...(await Promise.all([4, 5, 6].map((d) => performance(lcArena2026, 100 + d)))),
  ];
  const origin = id();
  const target = id();
  await db.query(`INSERT INTO season_tickets (tenant_id, id, name, type, quota) VALUES ($1, $2, '2025', 'fixed-seat', 200000), ($1, $3, '2026', 'fixed-seat', 100000)`, [
    tenant,
    origin,
    target,
  ]);
  await db.query(
    `INSERT INTO season_ticket_performances (tenant_id, season_ticket_id, performance_id, position)
     SELECT $1, $2::uuid, x.p, x.i FROM unnest($3::uuid[]) WITH ORDINALITY x(p, i)
     UNION ALL SELECT $1, $4::uuid, x.p, x.i FROM unnest($5::uuid[]) WITH ORDINALITY x(p, i)`,
    [tenant, origin, [originStand, originArena], target, targetPerformances],
  );
  // 1,000 stand seats already sold for 2026 at the box office.
  await db.query(
    `UPDATE seat_availability a SET status = 'sold' FROM seats s
     WHERE a.tenant_id = $1 AND a.performance_id = ANY($2::uuid[]) AND s.tenant_id = $1 AND s.id = a.seat_id AND s.area = 'S7' AND s.row::int <= 40`,
    [tenant, targetPerformances.slice(0, 3)],
  );
  // Holders in purchase order; seat k of a configuration is the k-th by rank.
  await db.query(
    `INSERT INTO holdings (tenant_id, id, season_ticket_id, contact_id, status, created_at)
     SELECT $1, gen_random_uuid(), $2::uuid, 'contact-' || i, 'sold', timestamptz '2025-01-01' + i * interval '1 millisecond'
     FROM generate_series(0, $3 - 1) i`,
    [tenant, origin, HOLDERS],
  );
  await db.query(`ANALYZE`);
  for (const [perf, pc, lc, spread] of [
    [originStand, pcStand, lcStand2025, 1],
    [originArena, pcArena2025, lcArena2025, 7919],
  ] as const) {
    await db.query(
      `INSERT INTO holding_seats (tenant_id, holding_id, performance_id, seat_id, category)
       SELECT $1, h.id, $3::uuid, s.id, c.category
       FROM holdings h
       JOIN seats s ON s.tenant_id = $1 AND s.physical_configuration_id = $4 AND s.rank = 1 + (substr(h.contact_id, 9)::bigint * $6) % 20000
       JOIN logical_configuration_seats c ON c.tenant_id = $1 AND c.logical_configuration_id = $5 AND c.seat_id = s.id
       WHERE h.tenant_id = $1 AND h.season_ticket_id = $2`,
      [tenant, origin, perf, pc, lc, spread],
    );
  }
  // A third of the holders have a preferred seat in the new arena; one in fifty points to a seat that no longer exists.
  await db.query(
    `INSERT INTO preferred_seats (tenant_id, contact_id, physical_configuration_id, area, row, number, from_order_id, purchased_at)
     SELECT $1, 'contact-' || i, $2::uuid, CASE WHEN i % 50 = 0 THEN 'X' ELSE 'S' || (1 + (i * 31) % 19) END, (1 + (i * 17) % 40)::text, (1 + (i * 13) % 25)::text, 'order-' || i, now()
     FROM generate_series(0, $3 - 1, 3) i`,
    [tenant, pcArena2026, HOLDERS],
  );
  await db.query(`ANALYZE`);
  const runId = id();
  await db.query(
    `INSERT INTO renewal_runs (tenant_id, id, run_key, origin_season_ticket_id, target_season_ticket_id, renew_strategy, create_reservation, reservation_days)
     VALUES ($1, $2, 'bench', $3, $4, 'TWO_STEPS', 'SEAT_CHANGED_ONLY', 14)`,
    [tenant, runId, origin, target],
  );
  return { runId };
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
