import { Bus, type RequestContext } from '@tlp/contracts';
import * as c from '@tlp/contracts';
import { newId, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext, type Isolation } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import { createPromotionService, type PromotionRuntime } from '../src/service';

export const T0 = new Date('2026-03-01T12:00:00Z');

/** The service's clock, moved by the test. */
export class TestClock {
  now = new Date(T0);
  advance(ms: number): void {
    this.now = new Date(this.now.getTime() + ms);
  }
}

export interface Harness {
  iso: Isolation;
  bus: Bus;
  nc: Awaited<ReturnType<typeof connectNats>>;
  clock: TestClock;
  runtime: PromotionRuntime;
  service: RunningService;
  stop(): Promise<void>;
}

export async function startPromotion(label: string, opts: { jobEveryMs?: number } = {}): Promise<Harness> {
  const inf = await infra();
  const iso = isolation(label);
  const clock = new TestClock();
  const runtime: PromotionRuntime = {};
  const service = await startService(
    createPromotionService({ clock: () => clock.now, jobEveryMs: opts.jobEveryMs ?? 200 }, runtime),
    serviceEnv(inf, iso, { DB_POOL_SIZE: '20' }),
  );
  const nc = await connectNats(inf);
  const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 30_000 });
  return {
    iso,
    bus,
    nc,
    clock,
    runtime,
    service,
    stop: async () => {
      await nc.close();
      await service.stop();
      await cleanUp(inf, iso);
    },
  };
}

export const key = () => randomBytes(8).toString('hex');

/** A request context with a fresh idempotency key, as the gateway sends for a command. */
export const command = (tenantId: string): RequestContext => ({ ...testContext(tenantId), idempotencyKey: key() });

export const line = (over: Partial<c.CartLine> = {}) => ({
  lineId: 'l1',
  productId: 'concert',
  productFamily: 'event' as const,
  unitPriceMinor: 8000,
  currency: 'EUR',
  quantity: 1,
  ...over,
});

export async function liveAdvantage(bus: Bus, tenantId: string, over: Partial<c.RequestOf<typeof c.createAdvantage>> = {}): Promise<c.Advantage> {
  const a = await bus.request(c.createAdvantage, command(tenantId), {
    season: '2025-2026',
    family: 'event',
    names: { internal: { fr: "Offre concert d'ouverture" }, public: { fr: "Offre concert d'ouverture" } },
    target: { type: 'public' },
    prices: [{ productId: 'concert', priceMinor: 6000, currency: 'EUR' }],
    ...over,
  });
  return bus.request(c.transitionAdvantage, testContext(tenantId), { advantageId: a.advantageId, to: 'in-operation' });
}

/** Generates `count` codes and waits until the batch is complete. */
export async function codesFor(h: Harness, tenantId: string, advantageId: string, count: number, contactId = 'SECUTX'): Promise<string[]> {
  const batch = await h.bus.request(c.generateCodes, command(tenantId), { advantageId, contactId, count });
  await h.runtime.generator?.idle();
  const page = await h.bus.request(c.listCodes, testContext(tenantId), { batchId: batch.batchId, limit: Math.min(count, 1000) });
  return page.codes.map((x) => x.code);
}

/** A ticket scanned at the gate, as access control publishes it (with the order or the code it was sold with). */
export async function publishScan(h: Harness, tenantId: string, ticketId: string, data: { orderId?: string; singleUseCode?: string }): Promise<void> {
  const envelope = {
    id: newId(),
    tenantId,
    occurredAt: new Date().toISOString(),
    type: c.TicketScanned.type,
    data: { ticketId, performanceId: 'perf-1', productId: 'dash', scannedAt: new Date().toISOString(), ...data },
  };
  await h.nc.jetstream().publish(`${h.iso.subjectPrefix}${c.TicketScanned.type}`, c.jsonCodec.encode(envelope), { msgID: envelope.id });
}
