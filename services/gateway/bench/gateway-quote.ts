/**
 * pnpm bench gateway-quote: quote requests per second and p50/p99 through HTTP at 50 concurrent
 * connections against the whole platform (gateway → promotion, loyalty, voucher and partner-sync
 * over NATS) for a fan with points in an active loyalty program, beside a bare express endpoint
 * answering the same JSON on the same machine in the same run.
 */
import autocannon from 'autocannon';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { Platform } from '../../../test-e2e/harness';
import { cpuMsPer, cpuSnapshot } from '../../../test-e2e/cpu';
import { seedFans } from '../../../test-e2e/reliability/checkouts';

/** Seconds of each side in all: each round gives the bare endpoint and the quote DURATION / ROUNDS each. */
const DURATION = Number(process.env.BENCH_SECONDS ?? 12);
/**
 * Seconds each side runs, unmeasured, before the rounds. A platform just started is cold: six
 * processes' code not yet optimised by V8, pool connections not yet open, statements not yet
 * prepared on them. Measured cold, the first round gave half the quotes of the next ones
 * (docs/performance.md); production runs warm, so the rounds measure it warm, and the bare
 * endpoint is warmed the same way.
 */
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);
const ROUNDS = 3;
/** The figure is at 50; BENCH_CONNECTIONS=1 or 10 shows a quote's latency when the machine is not saturated. */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/** Runs autocannon; each answered request's latency in ms is also added to `latencies` when given. */
function run(opts: autocannon.Options, latencies?: number[]): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    if (latencies) instance.on('response', (_client, statusCode: number, _bytes, ms: number) => statusCode < 300 && latencies.push(ms));
  });
}

/** The q-quantile of latencies sorted ascending, nearest rank. */
const quantile = (sorted: number[], q: number): number => Number(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!.toFixed(1));

async function main(): Promise<void> {
  const platform = new Platform({
    label: 'bench_gateway_quote',
    env: { gateway: { RATE_LIMIT_TENANT_PER_MIN: '100000000', RATE_LIMIT_CLIENT_PER_MIN: '100000000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000000', LOG_LEVEL: 'error' } },
  });
  await platform.start();
  try {
    const admin = platform.client(await platform.token({ tenant: 'bench', roles: ['admin'] }));
    const adv = await admin<{ advantageId: string }>('POST', '/v1/advantages', {
      season: '2026',
      family: 'event',
      names: { internal: { en: 'Bench' }, public: { en: 'Bench' } },
      target: { type: 'public' },
      prices: [{ productId: 'p1', priceMinor: 4000, currency: 'EUR' }],
    });
    await admin('POST', `/v1/advantages/${adv.body.advantageId}/transitions`, { to: 'in-operation' });
    const promo = await admin<{ promoCodeId: string }>('POST', '/v1/promo-codes', {
      accessCode: 'BENCH5',
      names: { internal: { en: 'Bench' }, public: { en: 'Bench' } },
      discount: { kind: 'percent', basisPoints: 500 },
    });
    await admin('POST', `/v1/promo-codes/${promo.body.promoCodeId}/transitions`, { to: 'in-operation' });
    // A fan of a venue with a loyalty program: the quote shows their points and what the order earns.
    await seedFans(platform, 'bench', 1);
    const token = await platform.token({ tenant: 'bench', roles: ['fan'], contactId: 'fan-0' });
    const body = JSON.stringify({
      channel: 'web',
      currency: 'EUR',
      lines: [
        { lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 5000, quantity: 2 },
        { lineId: 'l2', productId: 'p2', productFamily: 'event', unitPriceMinor: 3000, quantity: 1 },
      ],
      codes: ['BENCH5'],
    });
    const sample = await fetch(`${platform.gatewayUrl}/v1/checkout/quote`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    const sampleBody = await sample.text();
    if (sample.status !== 200) throw new Error(`quote failed: ${sample.status} ${sampleBody}`);
    const sampleQuote = JSON.parse(sampleBody) as { balances: { points?: { points: number } }; pointsEarnable: number };
    if (sampleQuote.balances.points?.points !== 10_000 || !(sampleQuote.pointsEarnable > 0)) throw new Error(`the quote does not show the fan's points: ${sampleBody}`);

    const bare = express();
    bare.use(express.json());
    bare.post('/quote', (_req, res) => {
      res.type('json').send(sampleBody);
    });
    const server = bare.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const barePort = (server.address() as AddressInfo).port;

    const common = { connections: CONNECTIONS, method: 'POST' as const, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` } };
    // The bare endpoint and the quote take turns, ROUNDS times each: this machine's speed drifts by
    // half from one minute to the next, and the ratio must compare the two at the same moments.
    const phase = DURATION / ROUNDS;
    const urls = { bare: `http://127.0.0.1:${barePort}/quote`, quote: `${platform.gatewayUrl}/v1/checkout/quote` };
    if (WARMUP > 0) for (const url of [urls.bare, urls.quote]) await run({ ...common, duration: WARMUP, url });
    let bareRequests = 0;
    let quotes = 0;
    // Every measured request's latency, so p50 and p99 are those of all the rounds together. The
    // bare endpoint's are the floor this machine puts under the quote's: a closed loop of 50
    // connections waits on the machine even for an endpoint that does nothing.
    const latencies: number[] = [];
    const bareLatencies: number[] = [];
    let errors = 0;
    let cpuMs: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const bareRound = await run({ ...common, duration: phase, url: urls.bare }, bareLatencies);
      bareRequests += bareRound.requests.total;
      const cpuBefore = cpuSnapshot(platform.pids());
      const quote = await run({ ...common, duration: phase, url: urls.quote }, latencies);
      if (round === ROUNDS - 1) cpuMs = cpuMsPer(cpuBefore, cpuSnapshot(platform.pids()), quote.requests.total);
      quotes += quote.requests.total;
      errors += quote.errors + quote.non2xx;
      console.log(
        `round ${round + 1}: bare ${Math.round(bareRound.requests.total / phase)}/s (p50 ${bareRound.latency.p50} ms, p99 ${bareRound.latency.p99} ms), quotes ${Math.round(quote.requests.total / phase)}/s, p50 ${quote.latency.p50} ms, p99 ${quote.latency.p99} ms`,
      );
    }
    server.close();
    // Where a quote's CPU goes, process by process, in the last round (the bench process runs autocannon).
    console.log(`cpu ms per quote: ${JSON.stringify(cpuMs)}`);
    const perSec = Math.round(quotes / DURATION);
    latencies.sort((a, b) => a - b);
    bareLatencies.sort((a, b) => a - b);
    const bareExpressPerSec = Math.round(bareRequests / DURATION);
    console.log(
      JSON.stringify({
        bench: 'gateway-quote',
        perSec,
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        errors,
        bareExpressPerSec,
        bareP50Ms: quantile(bareLatencies, 0.5),
        bareP99Ms: quantile(bareLatencies, 0.99),
        connections: CONNECTIONS,
        ratio: Number((perSec / bareExpressPerSec).toFixed(2)),
      }),
    );
  } finally {
    await platform.stop();
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
