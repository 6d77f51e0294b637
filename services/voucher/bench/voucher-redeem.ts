/**
 * `pnpm bench voucher-redeem`: checkout payments with financial vouchers over NATS against the
 * real servers. 10,000 vouchers are sold first (through the sale use case, not timed); then
 * hold+capture pairs run from 64 callers at once, each pair on a random voucher with its own
 * order id, as the gateway's checkout does, from a child process (the gateway's place: the service
 * keeps its process to itself). Rate and latency are per pair (hold request to capture
 * reply), and the ledger is checked against the balances at the end.
 * Last line: {"bench":"voucher-redeem","pairsPerSec":…,"p50Ms":…,"p99Ms":…}
 */
import { fork } from 'node:child_process';
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

interface LoadResult {
  seconds: number;
  latencies: number[];
  cpuSeconds: number;
}

/** The checkout's side, run in a child process as the gateway is in production. */
async function load(subjectPrefix: string, codes: { code: string; voucherId: string }[]): Promise<LoadResult> {
  const nc = await connectNats(await infra());
  const bus = new Bus(nc, { subjectPrefix, timeoutMs: 30_000 });
  const request = testContext(tenantId);
  const latencies: number[] = [];
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
  await nc.close();
  return { seconds, latencies, cpuSeconds: (used.user + used.system) / 1e6 };
}

function runLoad(subjectPrefix: string, codes: { code: string; voucherId: string }[]): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['load', subjectPrefix], { execArgv: ['--import', 'tsx'] });
    child.once('message', (m) => resolve(m as LoadResult));
    child.once('error', reject);
    child.once('exit', (code) => (code ? reject(new Error(`load generator exited with ${code}`)) : undefined));
    child.send(codes);
  });
}

async function main(): Promise<void> {
  const i = await infra();
  const iso = isolation('bench voucher redeem');
  const service = await startService(voucherService, serviceEnv(i, iso, { LOG_LEVEL: 'warn', DB_POOL_SIZE: process.env.BENCH_POOL ?? '20' }));
  try {
    const { deps } = service;
    const ports = {
      db: deps.db,
      redis: deps.redis,
      keys: deps.keys,
      logger: deps.logger,
      metrics: deps.metrics,
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

    const cpu = process.cpuUsage();
    const { seconds, latencies, cpuSeconds } = await runLoad(iso.subjectPrefix, codes);
    const used = process.cpuUsage(cpu);
    console.error(`service used ${round((used.user + used.system) / 1e6 / seconds)} of a core, the callers ${round(cpuSeconds / seconds)}`);

    const [check] = await sql<{ drift: string; captured: string }>(
      deps.db,
      `SELECT (SELECT count(*) FROM accounts a WHERE a.balance_minor <> (SELECT coalesce(sum(delta_minor), 0) FROM ledger l WHERE l.tenant_id = a.tenant_id AND l.account_id = a.id)) AS drift,
              (SELECT count(*) FROM holds WHERE status = 'captured') AS captured`,
    );
    if (Number(check?.drift) !== 0 || Number(check?.captured) !== pairs) throw new Error(`ledger check failed: ${JSON.stringify(check)}`);
    console.error(`ledger equals balance on all ${vouchers} vouchers; ${check?.captured} captures`);
    console.log(JSON.stringify({ bench: 'voucher-redeem', pairsPerSec: Math.round(pairs / seconds), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) }));
  } finally {
    await service.stop();
    await cleanUp(i, iso);
  }
}

if (process.argv[2] === 'load') {
  process.once('message', (codes) => {
    load(process.argv[3] ?? '', codes as { code: string; voucherId: string }[]).then(
      (r) => process.send?.(r, () => process.exit(0)),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
} else main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
