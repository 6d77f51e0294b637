/**
 * `pnpm bench voucher-redeem`: checkout payments with financial vouchers over NATS against the
 * real servers. 10,000 vouchers are sold first (through the sale use case, not timed); then
 * hold+capture pairs run from 64 callers at once, each pair on a random voucher with its own
 * order id, as the gateway's checkout does. Rate and latency are per pair (hold reply to capture
 * reply), and the ledger is checked against the balances at the end.
 * Last line: {"bench":"voucher-redeem","pairsPerSec":…,"p50Ms":…,"p99Ms":…}
 */
import { Bus, vouchersCapture, vouchersHold } from '@tlp/contracts';
import { sql, startService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { sellVoucher } from '../src/app/vouchers';
import { voucherService } from '../src/service';

const vouchers = Number(process.env.BENCH_VOUCHERS ?? 10_000);
const pairs = Number(process.env.BENCH_PAIRS ?? 20_000);
const width = Number(process.env.BENCH_WIDTH ?? 64);
const tenantId = 'bench-venue';
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

async function pool(count: number, fn: (n: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function main(): Promise<void> {
  const i = await infra();
  const iso = isolation('bench voucher redeem');
  const service = await startService(voucherService, serviceEnv(i, iso, { LOG_LEVEL: 'warn', DB_POOL_SIZE: process.env.BENCH_POOL ?? '20' }));
  const nc = await connectNats(i);
  const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 30_000 });
  try {
    const { deps } = service;
    const ports = {
      db: deps.db,
      redis: deps.redis,
      keys: deps.keys,
      logger: deps.logger,
      now: () => new Date(),
      settings: { holdTtlMs: 900_000, pin: { maxAttempts: 5, lockSeconds: 900 } },
    };
    const ctx = { tenantId, requestId: 'bench' };
    const validUntil = new Date(Date.now() + 365 * 86_400_000).toISOString();
    const codes: { code: string; voucherId: string }[] = [];
    const seeding = performance.now();
    await pool(vouchers, async (n) => {
      const v = await sellVoucher(ctx, ports, { saleId: `sale-${n}`, currency: 'EUR', validUntil }, { kind: 'financial', valueMinor: 1_000_000 });
      codes.push({ code: v.code, voucherId: v.voucherId });
    });
    console.error(`sold ${vouchers} vouchers in ${round((performance.now() - seeding) / 1000)} s; running ${pairs} hold+capture pairs, ${width} at a time`);

    const latencies: number[] = [];
    const request = testContext(tenantId);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await pool(pairs, async (n) => {
      const v = codes[Math.floor(Math.random() * codes.length)]!;
      const orderId = `order-${n}`;
      const t0 = performance.now();
      await bus.request(vouchersHold, request, { orderId, code: v.code, amountMinor: 100 + (n % 900), currency: 'EUR' });
      await bus.request(vouchersCapture, request, { orderId, voucherId: v.voucherId });
      latencies.push(performance.now() - t0);
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    console.error(`this process (callers and service) used ${round((used.user + used.system) / 1e6 / seconds)} of a core`);

    const [check] = await sql<{ drift: string; captured: string }>(
      deps.db,
      `SELECT (SELECT count(*) FROM accounts a WHERE a.balance_minor <> (SELECT coalesce(sum(delta_minor), 0) FROM ledger l WHERE l.tenant_id = a.tenant_id AND l.account_id = a.id)) AS drift,
              (SELECT count(*) FROM holds WHERE status = 'captured') AS captured`,
    );
    if (Number(check?.drift) !== 0 || Number(check?.captured) !== pairs) throw new Error(`ledger check failed: ${JSON.stringify(check)}`);
    console.error(`ledger equals balance on all ${vouchers} vouchers; ${check?.captured} captures`);
    console.log(JSON.stringify({ bench: 'voucher-redeem', pairsPerSec: Math.round(pairs / seconds), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) }));
  } finally {
    await nc.close();
    await service.stop();
    await cleanUp(i, iso);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
