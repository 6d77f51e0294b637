import { Bus, GetRenewalRun, renewalHealth, StartRenewalRun } from '@tlp/contracts';
import { createLogger, openDatabase, sql, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { renewalService } from '../src/service';
import { buy, grid, layout, seasonTicket, space } from './fixtures';

const ctx = () => testContext('crash-arena');
const iso = isolation('renewal crash');
const holders = 40;
let i: Infra;
let nc: Awaited<ReturnType<typeof connectNats>>;
let bus: Bus;
let db: DataSource;
let child: ChildProcess | undefined;
let service: RunningService | undefined;

beforeAll(async () => {
  i = await infra();
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 15_000 });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await service?.stop();
  await db?.destroy();
  await nc.close();
  await cleanUp(i, iso);
});

const count = async (q: string, params: unknown[] = []) => Number((await sql<{ n: number }>(db, q, params))[0]!.n);

it('a run killed mid-way and resumed renews each holder exactly once', async () => {
  // The venue and the origin holders, through an in-process service that is then stopped.
  const setup = await startService(renewalService, serviceEnv(i, iso));
  const s = await space(bus, ctx(), 'Stadium');
  const before = await layout(bus, ctx(), s, grid('D', ['1', '2', '3', '4', '5', '6'], 10));
  const after = await layout(bus, ctx(), s, grid('D', ['1', '2', '3', '4', '5'], 10));
  const origin = await seasonTicket(bus, ctx(), await before.performances('2025', () => 'CAT1', 1, 1));
  const target = await seasonTicket(bus, ctx(), await after.performances('2026', (p) => (p.row <= '3' ? 'CAT1' : 'CAT2'), 2, 100), 100);
  const seatOf = (n: number) => ({ area: 'D', row: String(Math.floor(((n * 7) % 60) / 10) + 1), number: String(((n * 7) % 60) % 10 + 1) });
  await buy(
    bus,
    ctx(),
    origin,
    Array.from({ length: holders }, (_, n) => ({ contactId: `holder-${n}`, category: 'CAT1', seats: [{ physicalConfigurationId: before.physicalConfigurationId, ...seatOf(n) }] })),
  );
  await setup.stop();
  db = await openDatabase({ url: i.databaseUrl, schema: iso.schema, migrations: [], poolSize: 2, runMigrations: false, logger: createLogger('test', 'silent') });

  // The service as a real process, writing four holders per chunk, slowly; killed after two chunks.
  child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '../src/main.ts')], {
    cwd: join(__dirname, '../../..'),
    env: { ...process.env, ...serviceEnv(i, iso, { RENEWAL_CHUNK_SIZE: '4', RENEWAL_CHUNK_PAUSE_MS: '300', RENEWAL_RUNS_EVERY_MS: '100' }) },
    stdio: 'ignore',
  });
  await eventually(() => bus.request(renewalHealth, ctx(), {}, { timeoutMs: 500 }).catch(() => undefined), 30_000, 200);
  const { runId } = await bus.request(StartRenewalRun, ctx(), { runKey: 'crash', originSeasonTicketId: origin, targetSeasonTicketId: target });
  await eventually(async () => ((await count(`SELECT count(*)::int AS n FROM renewal_decisions WHERE run_id = $1`, [runId])) >= 8 ? true : undefined), 30_000, 20);
  child.kill('SIGKILL');
  await new Promise((r) => child!.once('exit', r));
  const decidedBeforeCrash = await count(`SELECT count(*)::int AS n FROM renewal_decisions WHERE run_id = $1`, [runId]);
  expect(decidedBeforeCrash).toBeGreaterThanOrEqual(8);
  expect(decidedBeforeCrash).toBeLessThan(holders);
  expect((await sql<{ status: string }>(db, `SELECT status FROM renewal_runs WHERE id = $1`, [runId]))[0]!.status).toBe('running');

  // Another replica takes over: its job resumes the run.
  service = (await startService(renewalService, serviceEnv(i, iso, { RENEWAL_RUNS_EVERY_MS: '100' }))) as RunningService;
  const run = await eventually(async () => {
    const r = await bus.request(GetRenewalRun, ctx(), { runId, limit: 0 });
    return r.status === 'completed' ? r : undefined;
  }, 30_000);

  expect(run.renewed + run.notRenewed).toBe(holders);
  expect(run.renewed).toBeGreaterThan(decidedBeforeCrash);
  expect(await count(`SELECT count(DISTINCT origin_holding_id)::int AS n FROM renewal_decisions WHERE run_id = $1`, [runId])).toBe(holders);
  // Exactly one holding per renewed contact, one event each, and each seat sold once per performance.
  expect(await count(`SELECT count(*)::int AS n FROM holdings WHERE season_ticket_id = $1`, [target])).toBe(run.renewed);
  expect(await count(`SELECT count(DISTINCT contact_id)::int AS n FROM holdings WHERE season_ticket_id = $1`, [target])).toBe(run.renewed);
  const events = `FROM outbox WHERE type = 'evt.renewal.season-ticket-renewed' AND envelope->'data'->>'runId' = $1`;
  expect(await count(`SELECT count(*)::int AS n ${events}`, [runId])).toBe(run.renewed);
  expect(await count(`SELECT count(DISTINCT envelope->'data'->>'contactId')::int AS n ${events}`, [runId])).toBe(run.renewed);
  expect(await count(`SELECT count(*)::int AS n FROM seat_availability WHERE holding_id IN (SELECT id FROM holdings WHERE season_ticket_id = $1)`, [target])).toBe(
    run.renewed * 2,
  );
  expect(await count(`SELECT count(*)::int AS n FROM outbox WHERE type = 'evt.renewal.run-completed'`)).toBe(1);
});
