/**
 * `pnpm bench load`: a mixed workload against the whole platform through HTTP, from concurrent
 * fans, bounded in count and in time: quotes, holds then confirms, holds then cancels, refunds,
 * balance reads and single-use code generation. Reports throughput, p50/p99 and errors per
 * operation, then checks the invariants once the platform has settled (checkouts.ts).
 * LOAD_SECONDS (30), LOAD_OPS (6,000), LOAD_FANS (24), LOAD_WIDTH (32) change the sizes.
 * Last line: {"bench":"load","seconds":…,"ops":…,"perSec":…,"byOperation":{…},"violations":0}
 */
import { Platform } from '../harness';
import { seedFans } from '../reliability/checkouts';
import { settledViolations } from '../reliability/invariants';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const MAX_OPS = Number(process.env.LOAD_OPS ?? 6000);
const FANS = Number(process.env.LOAD_FANS ?? 24);
const WIDTH = Number(process.env.LOAD_WIDTH ?? 32);
const tenant = 'load';

type Operation = 'quote' | 'hold+confirm' | 'hold+cancel' | 'refund' | 'balance' | 'codes';
/** Out of 100 operations: mostly browsing and buying, as on a sales day. */
const mix: [Operation, number][] = [
  ['quote', 40],
  ['balance', 25],
  ['hold+confirm', 20],
  ['hold+cancel', 7],
  ['refund', 6],
  ['codes', 2],
];
const pick = (): Operation => {
  let r = Math.random() * 100;
  for (const [op, weight] of mix) if ((r -= weight) < 0) return op;
  return 'quote';
};
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

async function main(): Promise<void> {
  const platform = new Platform({
    label: 'bench_load',
    env: { gateway: { RATE_LIMIT_TENANT_PER_MIN: '100000000', RATE_LIMIT_CLIENT_PER_MIN: '100000000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000000', LOG_LEVEL: 'error' } },
  });
  await platform.start();
  try {
    await seedFans(platform, tenant, FANS);
    const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
    const advantage = await admin<{ advantageId: string }>('POST', '/v1/advantages', {
      season: '2026',
      family: 'event',
      names: { internal: { en: 'Load codes' }, public: { en: 'Load codes' } },
      target: { type: 'single-use-codes' },
      prices: [{ productId: 'p1', priceMinor: 2000, currency: 'EUR' }],
    });
    await admin('POST', `/v1/advantages/${advantage.body.advantageId}/transitions`, { to: 'in-operation' });
    const fans = await Promise.all(Array.from({ length: FANS }, async (_, f) => platform.client(await platform.token({ tenant, roles: ['fan'], contactId: `fan-${f}` }))));
    const confirmed: { fan: number; orderId: string }[] = [];
    const stats = new Map<Operation, { latencies: number[]; errors: number }>(mix.map(([op]) => [op, { latencies: [], errors: 0 }]));
    const cart = (orderId?: string) => ({
      ...(orderId ? { orderId } : {}),
      channel: 'web',
      currency: 'EUR',
      lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 2500, quantity: 1 }],
      pay: { points: { points: 100 } },
    });

    let started = 0;
    let seq = 0;
    const deadline = Date.now() + SECONDS * 1000;
    const run = async (op: Operation): Promise<boolean> => {
      const f = Math.floor(Math.random() * FANS);
      const fan = fans[f]!;
      const orderId = `load-${++seq}`;
      switch (op) {
        case 'quote':
          return (await fan('POST', '/v1/checkout/quote', cart())).status === 200;
        case 'balance':
          return (await fan('GET', '/v1/me/loyalty-account')).status === 200;
        case 'hold+confirm': {
          if ((await fan('POST', '/v1/checkout/holds', cart(orderId))).status !== 201) return false;
          const ok = (await fan('POST', `/v1/checkout/${orderId}/confirmation`)).status === 200;
          if (ok) confirmed.push({ fan: f, orderId });
          return ok;
        }
        case 'hold+cancel':
          if ((await fan('POST', '/v1/checkout/holds', cart(orderId))).status !== 201) return false;
          return (await fan('POST', `/v1/checkout/${orderId}/cancellation`)).status === 200;
        case 'refund': {
          const order = confirmed.shift();
          if (!order) return (await fan('POST', '/v1/checkout/quote', cart())).status === 200;
          const r = await admin('POST', `/v1/checkout/${order.orderId}/refunds`, { refundId: `r-${order.orderId}`, lines: [{ lineId: 'l1', amountMinor: 500 }], split: { creditNote: 500 } });
          return r.status === 201;
        }
        case 'codes':
          return (await admin('POST', '/v1/code-batches', { advantageId: advantage.body.advantageId, contactId: `fan-${f}`, count: 500 })).status === 201;
      }
    };
    const began = performance.now();
    await Promise.all(
      Array.from({ length: WIDTH }, async () => {
        while (started < MAX_OPS && Date.now() < deadline) {
          started++;
          const op = pick();
          const t0 = performance.now();
          const ok = await run(op).catch(() => false);
          const s = stats.get(op)!;
          s.latencies.push(performance.now() - t0);
          if (!ok) s.errors++;
        }
      }),
    );
    const seconds = (performance.now() - began) / 1000;
    const byOperation = Object.fromEntries(
      [...stats].map(([op, s]) => [
        op,
        { count: s.latencies.length, perSec: Math.round(s.latencies.length / seconds), p50Ms: Math.round(percentile(s.latencies, 50)), p99Ms: Math.round(percentile(s.latencies, 99)), errors: s.errors },
      ]),
    );
    for (const [op, s] of Object.entries(byOperation)) console.error(`${op.padEnd(13)} ${JSON.stringify(s)}`);
    const violations = await settledViolations(platform);
    for (const v of violations) console.error(`VIOLATION: ${v}`);
    console.log(JSON.stringify({ bench: 'load', seconds: Number(seconds.toFixed(1)), ops: started, perSec: Math.round(started / seconds), byOperation, violations: violations.length }));
    if (violations.length) process.exitCode = 1;
  } finally {
    await platform.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
