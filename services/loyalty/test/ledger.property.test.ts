import type { Program } from '@tlp/contracts';
import { createLogger, openDatabase, platformMigrations, sql } from '@tlp/platform';
import { cleanUp, infra, isolation, type Infra } from '@tlp/testkit';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { captureHold, credit, debit, expireLots, holdPoints, lockAccount, releaseHold } from '../src/app/ledger';
import { createProgram, openAccount } from '../src/app/programs';
import { loyaltyService } from '../src/service';

/**
 * The real ledger (PostgreSQL, the use cases) against a plain model of lots, over random
 * sequences of earn, hold, capture, release, expire and refund reversal.
 */
const iso = isolation('loyalty_prop');
let i: Infra;
let db: DataSource;
let program: Program;
const DAY = 86_400_000;

type Op =
  | { kind: 'earn'; points: number; ttlDays: number | null }
  | { kind: 'hold'; points: number }
  | { kind: 'capture'; hold: number }
  | { kind: 'release'; hold: number }
  | { kind: 'expire'; days: number }
  | { kind: 'reverse'; points: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('earn' as const), points: fc.integer({ min: 1, max: 200 }), ttlDays: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }) }),
  fc.record({ kind: fc.constant('hold' as const), points: fc.integer({ min: 1, max: 250 }) }),
  fc.record({ kind: fc.constant('capture' as const), hold: fc.nat(20) }),
  fc.record({ kind: fc.constant('release' as const), hold: fc.nat(20) }),
  fc.record({ kind: fc.constant('expire' as const), days: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('reverse' as const), points: fc.integer({ min: 1, max: 150 }) }),
);

interface ModelLot {
  remaining: number;
  expiresAt: number | null;
}

/** Spending by hand: live lots sorted by expiry (never-expiring last), then by age. */
function modelTake(lots: ModelLot[], points: number, now: number): { lot: number; points: number }[] | undefined {
  const order = lots
    .map((l, n) => ({ l, n }))
    .filter(({ l }) => l.remaining > 0 && (l.expiresAt === null || l.expiresAt > now))
    .sort((a, b) => (a.l.expiresAt ?? Infinity) - (b.l.expiresAt ?? Infinity) || a.n - b.n);
  const takes = [];
  let left = points;
  for (const { l, n } of order) {
    if (left === 0) break;
    const t = Math.min(left, l.remaining);
    takes.push({ lot: n, points: t });
    left -= t;
  }
  return left === 0 ? takes : undefined;
}

beforeAll(async () => {
  i = await infra();
  db = await openDatabase({ url: i.databaseUrl, schema: iso.schema, migrations: [...platformMigrations, ...loyaltyService.migrations], poolSize: 4, runMigrations: true, logger: createLogger('t', 'silent') });
  program = await db.transaction((tx) =>
    createProgram(tx, { tenantId: 'acme', requestId: 'r' }, {
      name: 'P',
      unit: 'points',
      wording: { en: 'points' },
      currency: 'EUR',
      valueNumerator: 1,
      valueDenominator: 1,
      pointsValidityDays: null,
      earnRules: [],
      seasonTicketHoldersOnly: false,
      tiers: [],
      productPrices: [],
    }),
  );
});
afterAll(async () => {
  await db?.destroy();
  await cleanUp(i, iso);
});

let run = 0;

it('keeps the ledger sum equal to the balance, never negative, spending the earliest-expiring lots first', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
      run++;
      const contactId = `c${run}`;
      const { account } = await db.transaction((tx) => openAccount(tx, 'acme', program, contactId, null));
      const lots: ModelLot[] = [];
      const holds: { orderId: string; takes: { lot: number; points: number }[]; state: 'held' | 'captured' | 'released'; expiresAt: number }[] = [];
      let now = Date.parse('2026-01-01T00:00:00Z');
      for (const o of ops) {
        await db.transaction(async (tx) => {
          const locked = await lockAccount(tx, 'acme', account.account_id);
          const balance = lots.reduce((s, l) => s + l.remaining, 0);
          if (o.kind === 'earn') {
            await credit(tx, 'acme', locked, o.points, o.ttlDays ? new Date(now + o.ttlDays * DAY) : null, { kind: 'earn' });
            lots.push({ remaining: o.points, expiresAt: o.ttlDays ? now + o.ttlDays * DAY : null });
          } else if (o.kind === 'hold' || o.kind === 'reverse') {
            const takes = balance >= o.points ? modelTake(lots, o.points, now) : undefined;
            const orderId = `${contactId}-h${holds.length}`;
            const attempt =
              o.kind === 'hold'
                ? holdPoints(tx, 'acme', locked, orderId, o.points, 3600, new Date(now), program)
                : debit(tx, 'acme', locked, o.points, new Date(now), { kind: 'reverse' });
            if (!takes) {
              await expect(attempt).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
              throw new Error('refused as expected');
            }
            await attempt;
            for (const t of takes) lots[t.lot]!.remaining -= t.points;
            if (o.kind === 'hold') holds.push({ orderId, takes, state: 'held', expiresAt: now + 3600 * 1000 });
          } else if (o.kind === 'capture' || o.kind === 'release') {
            const h = holds[o.hold % Math.max(1, holds.length)];
            if (!h || h.state !== 'held') return;
            if (o.kind === 'capture') {
              // A hold past its expiry cannot be captured, even before the expiry job released it.
              if (now >= h.expiresAt) {
                await expect(captureHold(tx, 'acme', h.orderId, new Date(now))).rejects.toMatchObject({ code: 'POINTS_HOLD_EXPIRED' });
                throw new Error('refused as expected');
              }
              await captureHold(tx, 'acme', h.orderId, new Date(now));
              h.state = 'captured';
            } else {
              await releaseHold(tx, 'acme', h.orderId);
              for (const t of h.takes) lots[t.lot]!.remaining += t.points;
              h.state = 'released';
            }
          } else {
            now += o.days * DAY;
            await expireLots(tx, new Date(now));
            for (const l of lots) if (l.expiresAt !== null && l.expiresAt <= now) l.remaining = 0;
          }
        }).catch((e: Error) => {
          if (e.message !== 'refused as expected') throw e;
        });
        const [acc] = await sql<{ balance: number; held: number }>(db, `SELECT balance, held FROM accounts WHERE account_id = $1`, [account.account_id]);
        const [entries] = await sql<{ sum: number }>(db, `SELECT coalesce(sum(points), 0)::int AS sum FROM entries WHERE account_id = $1`, [account.account_id]);
        const dbLots = await sql<{ remaining: number }>(db, `SELECT remaining FROM lots WHERE account_id = $1 ORDER BY lot_id`, [account.account_id]);
        expect(acc!.balance).toBeGreaterThanOrEqual(0);
        expect(entries!.sum).toBe(acc!.balance);
        expect(dbLots.map((l) => l.remaining)).toEqual(lots.map((l) => l.remaining));
        expect(acc!.balance).toBe(lots.reduce((s, l) => s + l.remaining, 0));
        expect(acc!.held).toBe(holds.filter((h) => h.state === 'held').reduce((s, h) => s + h.takes.reduce((a, t) => a + t.points, 0), 0));
      }
    }),
    { numRuns: 30 },
  );
}, 120_000);
