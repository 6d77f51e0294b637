/**
 * pnpm bench loyalty-earn: 50,000 evt.order.completed events published to JetStream, and the
 * rate at which the loyalty service reflects them in every ledger, beside plain single-row
 * inserts into the same PostgreSQL measured in the same run.
 */
import { Bus, jsonCodec, loyaltyProgramsCreate, loyaltyProgramsSetActive, OrderCompleted } from '@tlp/contracts';
import { newId, startService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { Client } from 'pg';
import { loyaltyService } from '../src/service';

const EVENTS = Number(process.env.EVENTS ?? 50_000);
const CONTACTS = 5_000;
const BASELINE_INSERTS = 5_000;

async function baselineInsertsPerSec(url: string, schema: string): Promise<number> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  await pg.query(`CREATE TABLE "${schema}".baseline (id uuid PRIMARY KEY, tenant_id text NOT NULL, points int NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  const started = performance.now();
  for (let n = 0; n < BASELINE_INSERTS; n++) await pg.query(`INSERT INTO "${schema}".baseline (id, tenant_id, points) VALUES ($1, 'bench', $2)`, [newId(), n]);
  const rate = BASELINE_INSERTS / ((performance.now() - started) / 1000);
  await pg.end();
  return rate;
}

async function main(): Promise<void> {
  const i = await infra();
  const iso = isolation('bench_loyalty_earn');
  const svc = await startService(loyaltyService, serviceEnv(i, iso, { DB_POOL_SIZE: '10' }));
  const nc = await connectNats(i);
  const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  const ctx = testContext('bench');
  try {
    const { programId } = await bus.request(loyaltyProgramsCreate, ctx, {
      name: 'Bench',
      unit: 'points',
      wording: { en: 'points' },
      currency: 'EUR',
      earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100, scope: { productIds: null, families: null, channels: null, pointsOfSale: null } }],
    });
    await bus.request(loyaltyProgramsSetActive, ctx, { programId, active: true });
    const baseline = await baselineInsertsPerSec(i.databaseUrl, iso.schema);

    const js = nc.jetstream();
    const started = performance.now();
    for (let n = 0; n < EVENTS; n += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, EVENTS - n) }, (_, k) => {
          const id = newId();
          const paid = 1000 + ((n + k) % 50) * 100;
          const data = {
            orderId: `o-${n + k}`,
            contactId: `c-${(n + k) % CONTACTS}`,
            channel: 'web',
            currency: 'EUR',
            totalPaidMinor: paid,
            lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1, unitPriceMinor: paid, paidMinor: paid, reductions: [], seats: [] }],
            payments: [],
            completedAt: new Date().toISOString(),
          };
          return js.publish(iso.subjectPrefix + OrderCompleted.type, jsonCodec.encode({ id, tenantId: 'bench', occurredAt: data.completedAt, type: OrderCompleted.type, data }), { msgID: id });
        }),
      );
    }
    for (;;) {
      const [{ n }] = await svc.deps.db.query(`SELECT count(*)::int AS n FROM order_earnings`);
      if (n >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const eventsPerSec = Math.round(EVENTS / seconds);
    const [{ sum, balances }] = await svc.deps.db.query(`SELECT (SELECT sum(points)::int FROM entries) AS sum, (SELECT sum(balance)::int FROM accounts) AS balances`);
    if (sum !== balances) throw new Error(`ledger sum ${sum} differs from balances ${balances}`);
    console.log(
      JSON.stringify({
        bench: 'loyalty-earn',
        events: EVENTS,
        seconds: Number(seconds.toFixed(2)),
        eventsPerSec,
        baselineInsertsPerSec: Math.round(baseline),
        ratio: Number((eventsPerSec / baseline).toFixed(2)),
      }),
    );
  } finally {
    await svc.stop();
    await nc.close();
    await cleanUp(i, iso);
  }
}

void main().then(() => process.exit(0));
