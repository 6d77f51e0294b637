/**
 * `pnpm bench promotion-evaluate`: cart evaluations per second over NATS request/reply for a
 * tenant with 500 live advantages (public, indicator, partner, contact-list targets over 100
 * products) and 50 promo codes, with p50/p99 latency. The service runs in this process on a
 * throw-away schema; the load comes from a child process (so the client's own encoding and
 * checking does not share the service's thread) keeping `CONCURRENCY` requests in flight for
 * `SECONDS`.
 */
import { fork } from 'node:child_process';
import * as c from '@tlp/contracts';
import { startService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { createPromotionService } from '../src/service';

const SECONDS = Number(process.env.SECONDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 64);
const TENANT = 'bench-venue';
const PRODUCTS = 100;

const targets: c.RequestOf<typeof c.createAdvantage>['target'][] = [
  { type: 'public' },
  { type: 'indicator', indicator: 'attendance', level: 'regular' },
  { type: 'contacts' },
];

async function seed(bus: c.Bus): Promise<void> {
  const cmd = (k: string) => ({ ...testContext(TENANT), idempotencyKey: k });
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 500; i++) {
    work.push(
      (async () => {
        const target = i % 50 === 0 ? { type: 'partner' as const, accessCode: `PARTNER${i}` } : targets[i % targets.length]!;
        const a = await bus.request(c.createAdvantage, cmd(`adv-${i}`), {
          season: '2025-2026',
          family: 'event',
          names: { internal: { fr: `Avantage ${i}` }, public: { fr: `Avantage ${i}` } },
          target,
          channels: i % 7 === 0 ? ['box-office'] : null,
          quota: i % 3 === 0 ? 1000 : null,
          prices: Array.from({ length: 5 }, (_, k) => ({
            productId: `p${(i * 5 + k) % PRODUCTS}`,
            audienceSubcategory: k === 0 ? 'child' : null,
            priceMinor: 3000 + ((i * 37 + k * 11) % 3000),
            currency: 'EUR',
          })),
        });
        await bus.request(c.transitionAdvantage, testContext(TENANT), { advantageId: a.advantageId, to: 'in-operation' });
        if (target.type === 'contacts') {
          await bus.request(c.changeTargetList, testContext(TENANT), {
            advantageId: a.advantageId,
            mode: 'replace',
            contactIds: Array.from({ length: 200 }, (_, k) => `contact-${(i + k) % 1000}`),
          });
        }
      })(),
    );
    if (work.length >= 20) await Promise.all(work.splice(0));
  }
  for (let i = 0; i < 50; i++) {
    work.push(
      (async () => {
        const p = await bus.request(c.createPromoCode, cmd(`promo-${i}`), {
          accessCode: `PROMO${i}`,
          names: { internal: { fr: `Promo ${i}` }, public: { fr: `Promo ${i}` } },
          discount: i % 2 ? { kind: 'percent', basisPoints: 100 + i * 10 } : { kind: 'fixed', amount: { amountMinor: 500 + i, currency: 'EUR' } },
          minCartAmount: i % 5 === 0 ? { amountMinor: 10_000, currency: 'EUR' } : null,
        });
        await bus.request(c.transitionPromoCode, testContext(TENANT), { promoCodeId: p.promoCodeId, to: 'in-operation' });
      })(),
    );
  }
  await Promise.all(work);
}

function cartFor(n: number): c.RequestOf<typeof c.evaluateCart>['cart'] {
  return {
    channel: n % 4 === 0 ? 'box-office' : 'web',
    contact: n % 2 && !process.env.NOCONTACT ? { contactId: `contact-${n % 1000}`, indicators: { attendance: n % 3 ? 'regular' : 'occasional' } } : undefined,
    lines: Array.from({ length: 3 }, (_, k) => ({
      lineId: `l${k}`,
      productId: `p${(n * 7 + k * 13) % PRODUCTS}`,
      productFamily: 'event' as const,
      audienceSubcategory: k === 0 ? 'child' : 'adult',
      unitPriceMinor: 8000,
      currency: 'EUR',
      quantity: 1 + (k % 2),
    })),
    codes: n % 3 === 0 ? [`PROMO${n % 50}`] : n % 10 === 1 ? [`PARTNER${(n % 10) * 50}`] : [],
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

interface LoadResult {
  count: number;
  elapsed: number;
  latencies: number[];
}

/** The load generator, run in the child process. */
async function load(subjectPrefix: string): Promise<LoadResult> {
  const nc = await connectNats(await infra());
  const bus = new c.Bus(nc, { subjectPrefix, timeoutMs: 10_000 });
  const ctx = testContext(TENANT);
  // Warm-up: loads the catalog and lets the JIT settle on both sides.
  for (let i = 0; i < 500; i++) await bus.request(c.evaluateCart, ctx, { cart: cartFor(i) });
  const latencies: number[] = [];
  let n = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        const t = process.hrtime.bigint();
        await bus.request(c.evaluateCart, ctx, { cart: cartFor(n++) });
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await nc.close();
  return { count: latencies.length, elapsed, latencies };
}

function runLoad(subjectPrefix: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['load', subjectPrefix], { execArgv: ['--import', 'tsx'] });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => (code ? reject(new Error(`load generator exited with ${code}`)) : undefined));
  });
}

async function main(): Promise<void> {
  const inf = await infra();
  const iso = isolation('bench evaluate');
  const service = await startService(createPromotionService(), serviceEnv(inf, iso, { LOG_LEVEL: 'warn' }));
  const nc = await connectNats(inf);
  const bus = new c.Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 10_000 });
  try {
    await seed(bus);
    const cpu = process.cpuUsage();
    const result = await runLoad(iso.subjectPrefix);
    const used = process.cpuUsage(cpu);
    const latencies = result.latencies.sort((a, b) => a - b);
    const serviceCpuMs = (used.user + used.system) / 1000;
    console.log(`service CPU per evaluation: ${(serviceCpuMs / result.count).toFixed(3)} ms (${result.count} evaluations, concurrency ${CONCURRENCY})`);
    console.log(
      JSON.stringify({
        bench: 'promotion-evaluate',
        perSec: Math.round(result.count / result.elapsed),
        p50Ms: Number(percentile(latencies, 50).toFixed(2)),
        p99Ms: Number(percentile(latencies, 99).toFixed(2)),
      }),
    );
  } finally {
    await nc.close();
    await service.stop();
    await cleanUp(inf, iso);
  }
}

if (process.argv[2] === 'load') {
  load(process.argv[3] ?? '').then(
    (r) => process.send?.(r, () => process.exit(0)),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
