/**
 * `pnpm bench codes-generate`: one request generates 1,000,000 single-use codes for one advantage;
 * measures the time until the batch is complete (every code written, the event queued) and the
 * process's peak resident memory. Starts the service in-process on a throw-away schema.
 */
import * as c from '@tlp/contracts';
import { startService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { createPromotionService, type PromotionRuntime } from '../src/service';

const COUNT = Number(process.env.CODES ?? 1_000_000);

async function main(): Promise<void> {
  const inf = await infra();
  const iso = isolation('bench codes');
  const runtime: PromotionRuntime = {};
  const service = await startService(createPromotionService({}, runtime), serviceEnv(inf, iso, { LOG_LEVEL: 'warn' }));
  const nc = await connectNats(inf);
  const bus = new c.Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 60_000 });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    const tenant = 'bench-venue';
    const adv = await bus.request(c.createAdvantage, { ...testContext(tenant), idempotencyKey: 'bench-adv' }, {
      season: '2025-2026',
      family: 'event',
      names: { internal: { fr: 'Bench' }, public: { fr: 'Bench' } },
      target: { type: 'single-use-codes' },
      prices: [{ productId: 'concert', priceMinor: 1000, currency: 'EUR' }],
    });
    const started = process.hrtime.bigint();
    const batch = await bus.request(c.generateCodes, { ...testContext(tenant), idempotencyKey: 'bench-gen' }, {
      advantageId: adv.advantageId,
      contactId: 'SECUTX',
      count: COUNT,
    });
    await runtime.generator?.idle();
    const done = await bus.request(c.getCodeBatch, testContext(tenant), { batchId: batch.batchId });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (done.state !== 'ready' || done.generated !== COUNT) throw new Error(`batch incomplete: ${JSON.stringify(done)}`);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(JSON.stringify({ bench: 'codes-generate', codes: COUNT, seconds: Number(seconds.toFixed(2)), peakRssMb: Math.round(peakRss / 1048576) }));
  } finally {
    clearInterval(sampler);
    await nc.close();
    await service.stop();
    await cleanUp(inf, iso);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
