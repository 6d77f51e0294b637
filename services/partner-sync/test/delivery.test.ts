import { ContactRegistered, deliveriesList, deliveriesReplay, OrderCompleted, partnersCreate, partnerSyncHealth, balancesGet } from '@tlp/contracts';
import { eventually } from '@tlp/testkit';
import { contact, ctxOf, order, partnerInput, sql, startHarness, startSimulator, type Harness, type RunningSimulator } from './fixtures';

let h: Harness;
const sims: RunningSimulator[] = [];

beforeAll(async () => {
  // A partner timeout far above the job's period: a hanging partner would be felt by the others if lanes waited on each other.
  h = await startHarness('partner delivery', { DELIVERY_MAX_ATTEMPTS: '8', PARTNER_TIMEOUT_MS: '4000' });
});

afterAll(async () => {
  await h.stop();
  await Promise.all(sims.map((s) => s.close()));
});

async function simulator() {
  const s = await startSimulator();
  sims.push(s);
  return s;
}

const deliveryStates = async (tenant: string) =>
  sql<{ state: string; n: number; attempts: number }>(
    h,
    `SELECT state, count(*)::int AS n, sum(attempts)::int AS attempts FROM deliveries WHERE tenant_id = $1 GROUP BY state ORDER BY state`,
    [tenant],
  );

describe('delivery to partners', () => {
  it('queues contacts and earn reports while a partner hangs, slows nothing else, and books each exactly once when it returns', async () => {
    const downSim = await simulator();
    const upSim = await simulator();
    const down = partnerInput(downSim);
    const up = partnerInput(upSim);
    await h.bus.request(partnersCreate, ctxOf('club-down'), down);
    const upPartner = await h.bus.request(partnersCreate, ctxOf('club-up'), up);
    // Down the worst way: it accepts connections and never answers in time.
    downSim.setSwitches({ latencyMs: 10_000 });

    const n = 12;
    for (let i = 0; i < n; i++) await h.publish(ContactRegistered, 'club-down', contact(`c-${i}`));
    for (let i = 0; i < n; i++) await h.publish(OrderCompleted, 'club-down', order(`o-${i}`, `c-${i}`, [{ family: 'event', paidMinor: 1000 + i * 100 }]));

    // While its first call hangs, another tenant's partner gets its messages at once, and requests answer quickly.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    for (let i = 0; i < 3; i++) await h.publish(ContactRegistered, 'club-up', contact(`u-${i}`));
    await eventually(async () => (upSim.books(up.apiKey)?.members.length === 3 ? true : undefined), 5000, 20);
    expect(Date.now() - started).toBeLessThan(2500);
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      await h.bus.request(partnerSyncHealth, ctxOf('club-up'), {});
      await h.bus.request(balancesGet, ctxOf('club-up'), { partnerId: upPartner.partnerId, contactId: 'u-0' });
      expect(Date.now() - t0).toBeLessThan(1000);
    }

    // The partner was tried and failed: everything is queued, nothing booked.
    await eventually(async () => {
      const rows = await deliveryStates('club-down');
      return rows.length === 1 && rows[0]!.state === 'pending' && rows[0]!.n === 2 * n && rows[0]!.attempts >= 2 ? rows : undefined;
    }, 15_000);
    expect(downSim.books(down.apiKey)).toBeUndefined();

    // Back, but losing some answers: retries must be dropped by the partner's dedupe.
    downSim.setSwitches({ latencyMs: 0, dropReplyRate: 0.3 });
    await eventually(
      async () => {
        const rows = await deliveryStates('club-down');
        return rows.length === 1 && rows[0]!.state === 'delivered' ? rows : undefined;
      },
      30_000,
      100,
    );
    const books = downSim.books(down.apiKey)!;
    // Some answers were lost and the messages sent again: the partner's dedupe dropped the copies.
    expect(books.replays).toBeGreaterThan(0);
    expect(books.members.map((m) => m.externalRef).sort()).toEqual(Array.from({ length: n }, (_, i) => `c-${i}`).sort());
    const earns = books.entries.filter((e) => e.kind === 'earn');
    expect(earns.map((e) => e.orderId).sort()).toEqual(Array.from({ length: n }, (_, i) => `o-${i}`).sort());
    expect(new Set(earns.map((e) => e.messageId)).size).toBe(n);
    expect(earns.find((e) => e.orderId === 'o-3')?.points).toBe(13);
    expect(books.members.find((m) => m.externalRef === 'c-3')?.points).toBe(13);
  });

  it('dead-letters a message that keeps failing, lists it, and delivers it once when replayed', async () => {
    const failing = await simulator();
    const input = partnerInput(failing);
    const partner = await h.bus.request(partnersCreate, ctxOf('club-dead'), input);
    failing.setSwitches({ errorRate: 1 });
    await h.publish(ContactRegistered, 'club-dead', contact('c-doomed'));

    const dead = await eventually(
      async () => {
        const { deliveries } = await h.bus.request(deliveriesList, ctxOf('club-dead'), { state: 'dead' });
        return deliveries.length === 1 ? deliveries[0] : undefined;
      },
      20_000,
      100,
    );
    expect(dead).toMatchObject({ partnerId: partner.partnerId, kind: 'member.share', sourceKey: 'contact:c-doomed', attempts: 8 });
    expect(dead.lastError).toMatch(/503/);
    // Another tenant sees none of it.
    expect((await h.bus.request(deliveriesList, ctxOf('club-up'), { state: 'dead' })).deliveries).toEqual([]);
    await expect(h.bus.request(deliveriesReplay, ctxOf('club-up'), { deliveryId: dead.deliveryId })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    failing.setSwitches({ errorRate: 0 });
    const replayed = await h.bus.request(deliveriesReplay, ctxOf('club-dead'), { deliveryId: dead.deliveryId });
    expect(replayed).toMatchObject({ state: 'pending', attempts: 0 });
    await expect(h.bus.request(deliveriesReplay, ctxOf('club-dead'), { deliveryId: dead.deliveryId })).rejects.toMatchObject({ code: 'PARTNER_DELIVERY_NOT_DEAD' });
    await eventually(async () => (failing.books(input.apiKey)?.members.length === 1 ? true : undefined));
    await eventually(async () => {
      const { deliveries } = await h.bus.request(deliveriesList, ctxOf('club-dead'), { state: 'delivered' });
      return deliveries.length === 1 ? deliveries : undefined;
    });
    expect(failing.books(input.apiKey)!.members.map((m) => m.externalRef)).toEqual(['c-doomed']);
  });

  it('queues one message per fact even when the same fact arrives twice under another event id', async () => {
    const s = await simulator();
    const input = partnerInput(s);
    await h.bus.request(partnersCreate, ctxOf('club-twice'), input);
    await h.publish(OrderCompleted, 'club-twice', order('o-twice', 'c-twice', [{ family: 'event', paidMinor: 5000 }]));
    await h.publish(ContactRegistered, 'club-twice', contact('c-twice'));
    await h.publish(OrderCompleted, 'club-twice', order('o-twice', 'c-twice', [{ family: 'event', paidMinor: 5000 }]));
    await eventually(async () => (s.books(input.apiKey)?.entries.length === 1 ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.books(input.apiKey)!.entries).toHaveLength(1);
    expect((await sql(h, `SELECT 1 FROM deliveries WHERE tenant_id = 'club-twice' AND kind = 'earn'`)).length).toBe(1);
  });
});
