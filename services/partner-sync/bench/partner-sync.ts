/**
 * `pnpm bench partner-sync`: the partner link under load, against the real servers and the
 * simulator over HTTP.
 * - delivery: 10 tenants, each with its partner, register 500 contacts each (5,000 events); time
 *   until every message is booked exactly once in the partners' books.
 * - webhooks: 2,000 signed `balance.changed` webhooks, 16 at a time; rate and latency.
 * - balances: 2,000 balance reads over NATS, each asking the partner (no fresh cache); latency.
 * Last line: {"bench":"partner-sync","messages":…,"deliveredPerSec":…,"webhooksPerSec":…,...}
 */
import { balancesGet, Bus, ContactRegistered, partnersCreate } from '@tlp/contracts';
import { listen, newId, startService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { partnerSyncService } from '../src/service';
import { createSimulator } from '../src/simulator/server';

const tenants = 10;
const contactsPerTenant = 500;
const webhooks = 2000;
const balanceReads = 2000;
const secret = () => `whsec_${randomBytes(32).toString('base64')}`;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function main(): Promise<void> {
  const i = await infra();
  const iso = isolation('bench partner sync');
  const sim = createSimulator();
  const { server, port } = await listen(sim.app, 0, '127.0.0.1');
  const service = await startService(
    partnerSyncService,
    serviceEnv(i, iso, { LOG_LEVEL: 'warn', DELIVERY_POLL_MS: '50', DELIVERY_BATCH: '1000', BALANCE_FRESH_MS: '0', DB_POOL_SIZE: '20' }),
  );
  const nc = await connectNats(i);
  const js = nc.jetstream();
  const bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  try {
    const partners: { tenantId: string; apiKey: string; inbound: string; partnerId: string }[] = [];
    for (let t = 0; t < tenants; t++) {
      const tenantId = `bench-${t}`;
      const inbound = secret();
      const apiKey = `bench-key-${t}-${randomBytes(4).toString('hex')}`;
      const p = await bus.request(partnersCreate, testContext(tenantId), {
        name: 'Rewards4Rugby',
        apiBaseUrl: `http://127.0.0.1:${port}`,
        apiKey,
        inboundSecrets: [inbound],
        outboundSecrets: [secret()],
        wording: { en: 'points' },
        conversion: { points: 100, amountMinor: 100, currency: 'GBP' },
      });
      partners.push({ tenantId, apiKey, inbound, partnerId: p.partnerId });
    }

    // Delivery: every event published first, the clock runs until the last message is booked.
    const started = performance.now();
    const publishes = [];
    for (const p of partners) {
      for (let c = 0; c < contactsPerTenant; c++) {
        const id = newId();
        const envelope = { id, tenantId: p.tenantId, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: `c-${c}`, seasonTicketHolder: false } };
        publishes.push(js.publish(iso.subjectPrefix + ContactRegistered.type, new TextEncoder().encode(JSON.stringify(envelope)), { msgID: id }));
      }
    }
    await Promise.all(publishes);
    const total = tenants * contactsPerTenant;
    for (;;) {
      const booked = partners.reduce((s, p) => s + (sim.books(p.apiKey)?.members.length ?? 0), 0);
      if (booked >= total) break;
      if (performance.now() - started > 300_000) throw new Error(`only ${booked} of ${total} delivered after 5 minutes`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const deliverySeconds = (performance.now() - started) / 1000;
    const duplicates = partners.reduce((s, p) => s + (sim.books(p.apiKey)!.members.length - new Set(sim.books(p.apiKey)!.members.map((m) => m.externalRef)).size), 0);

    // Webhooks: signed balance changes for the members just shared.
    const base = `http://127.0.0.1:${service.httpPort}`;
    const hookLatencies: number[] = [];
    const hooksStarted = performance.now();
    await pool(
      Array.from({ length: webhooks }, (_, n) => n),
      16,
      async (n) => {
        const p = partners[n % tenants]!;
        const body = JSON.stringify({ type: 'balance.changed', timestamp: new Date().toISOString(), data: { externalRef: `c-${n % contactsPerTenant}`, points: n } });
        const id = `msg_${n}`;
        const now = new Date();
        const t0 = performance.now();
        const res = await fetch(`${base}/webhooks/partners/${p.partnerId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(p.inbound).sign(id, now, body) },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== 204) throw new Error(`webhook answered ${res.status}`);
        hookLatencies.push(performance.now() - t0);
      },
    );
    const hooksSeconds = (performance.now() - hooksStarted) / 1000;

    // Balances: each read asks the partner through its breaker.
    const balanceLatencies: number[] = [];
    await pool(
      Array.from({ length: balanceReads }, (_, n) => n),
      16,
      async (n) => {
        const p = partners[n % tenants]!;
        const t0 = performance.now();
        await bus.request(balancesGet, testContext(p.tenantId), { partnerId: p.partnerId, contactId: `c-${n % contactsPerTenant}` });
        balanceLatencies.push(performance.now() - t0);
      },
    );

    console.log(
      JSON.stringify({
        bench: 'partner-sync',
        messages: total,
        partners: tenants,
        deliverySeconds: round(deliverySeconds),
        deliveredPerSec: Math.round(total / deliverySeconds),
        duplicatesInBooks: duplicates,
        webhooks,
        webhooksPerSec: Math.round(webhooks / hooksSeconds),
        webhookP50Ms: round(percentile(hookLatencies, 50)),
        webhookP99Ms: round(percentile(hookLatencies, 99)),
        balanceReads,
        balanceP50Ms: round(percentile(balanceLatencies, 50)),
        balanceP99Ms: round(percentile(balanceLatencies, 99)),
      }),
    );
  } finally {
    await service.stop();
    await nc.close();
    (server as Server).closeAllConnections();
    server.close();
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
