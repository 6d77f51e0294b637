import { balancesGet, balancesOfContact, ContactRegistered, OrderCompleted, partnersCreate, partnersList, partnersUpdate, type PartnerView } from '@tlp/contracts';
import { connectRedis, createLogger, REDIS_DEADLINE_MS } from '@tlp/platform';
import { eventually, infra, tcpRelay } from '@tlp/testkit';
import { contact, ctxOf, order, partnerInput, startHarness, startSimulator, type Harness, type RunningSimulator } from './fixtures';

let h: Harness;
let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator();
  h = await startHarness('partner balances');
});

afterAll(async () => {
  await h.stop();
  await sim.close();
});

async function setUp(tenant: string, overrides: Parameters<typeof partnerInput>[1] = {}) {
  const input = partnerInput(sim, overrides);
  const partner = await h.bus.request(partnersCreate, ctxOf(tenant), input);
  return { input, partner };
}

async function member(tenant: string, apiKey: string, ref: string, points: number) {
  await h.publish(ContactRegistered, tenant, contact(ref));
  await eventually(async () => (sim.books(apiKey)?.members.some((m) => m.externalRef === ref) ? true : undefined));
  await fetch(`${sim.url}/_control/accounts/${apiKey}/members/${ref}/points`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ delta: points }),
  });
}

describe('partner balances', () => {
  let partner: PartnerView;
  let apiKey: string;

  beforeAll(async () => {
    const s = await setUp('club-bal', { conversion: { points: 200, amountMinor: 100, currency: 'GBP' }, wording: { en: 'stars' } });
    partner = s.partner;
    apiKey = s.input.apiKey;
    await member('club-bal', apiKey, 'c-rich', 2501);
  });

  afterEach(() => sim.setSwitches({ down: false, latencyMs: 0 }));

  it('answers points, their value rounded down and the wording, fresh from the partner', async () => {
    expect(await h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-rich' })).toMatchObject({
      points: 2501,
      value: { amountMinor: 1250, currency: 'GBP' },
      wording: { en: 'stars' },
      stale: false,
    });
  });

  it("asks the partner once for a contact's balance that several requests need at the same moment, and answers each", async () => {
    await member('club-bal', apiKey, 'c-burst', 40);
    const before = sim.books(apiKey)!.balanceReads;
    sim.setSwitches({ latencyMs: 300 });
    const ask = () => h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-burst' });
    const answers = await Promise.all([ask(), ask(), ask(), ask(), ask()]);
    expect(answers.map((a) => [a.points, a.stale])).toEqual(Array.from({ length: 5 }, () => [40, false]));
    expect(sim.books(apiKey)!.balanceReads - before).toBe(1);
  });

  it('answers the last known balance marked stale while the partner is down or hanging, quickly', async () => {
    const fresh = await h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-rich' });
    for (const switches of [{ down: true }, { latencyMs: 5000 }]) {
      sim.setSwitches(switches);
      const t0 = Date.now();
      const b = await h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-rich' });
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(b).toMatchObject({ points: 2501, stale: true, asOf: fresh.asOf });
      sim.setSwitches({ down: false, latencyMs: 0 });
    }
  });

  it('answers the balance PostgreSQL remembers while the partner is down, not an older copy Redis kept (Redis away when the newer one came)', async () => {
    const fresh = await h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-rich' });
    const redis = await connectRedis((await infra()).redisUrl, createLogger('partner-balances-test', 'silent'));
    try {
      const copy = `${h.iso.redisPrefix}partner-sync:balance:club-bal:${partner.partnerId}:c-rich`;
      expect(JSON.parse((await redis.get(copy))!)).toEqual({ points: fresh.points, asOf: fresh.asOf });
      await redis.set(copy, JSON.stringify({ points: 1, asOf: '2026-01-01T00:00:00.000Z' }), { EX: 60 });
      sim.setSwitches({ down: true });
      expect(await h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-rich' })).toMatchObject({
        points: fresh.points,
        stale: true,
        asOf: fresh.asOf,
      });
    } finally {
      sim.setSwitches({ down: false, latencyMs: 0 });
      await redis.del(`${h.iso.redisPrefix}partner-sync:balance:club-bal:${partner.partnerId}:c-rich`);
      redis.destroy();
    }
  });

  it('says UNAVAILABLE, never zero, when the partner is down and no balance was ever known', async () => {
    await member('club-bal', apiKey, 'c-never-asked', 70);
    sim.setSwitches({ down: true });
    await expect(h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-never-asked' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  it("keeps the partner's wording in the singular and the plural, or one word, as it was given, and shows it with the balance", async () => {
    const stars = { en: { one: 'Rugby star', other: 'Rugby stars' }, fr: 'étoiles Rugby' };
    const s = await setUp('club-words', { wording: stars });
    expect(s.partner.wording).toEqual(stars);
    await member('club-words', s.input.apiKey, 'c-one', 1);
    expect(await h.bus.request(balancesGet, ctxOf('club-words'), { partnerId: s.partner.partnerId, contactId: 'c-one' })).toMatchObject({ points: 1, wording: stars });
    const oneWord = { en: 'Rugby points' };
    expect((await h.bus.request(partnersUpdate, ctxOf('club-words'), { partnerId: s.partner.partnerId, wording: oneWord })).wording).toEqual(oneWord);
    expect((await h.bus.request(partnersList, ctxOf('club-words'), {})).partners[0]?.wording).toEqual(oneWord);
  });

  it('says PARTNER_MEMBER_UNKNOWN for a contact the partner does not know', async () => {
    await expect(h.bus.request(balancesGet, ctxOf('club-bal'), { partnerId: partner.partnerId, contactId: 'c-nobody' })).rejects.toMatchObject({
      code: 'PARTNER_MEMBER_UNKNOWN',
    });
  });
});

describe("a contact's balances with every partner, for the checkout's quote", () => {
  it('answers the partners that know the contact, lists the ones down as unavailable, leaves out the ones that do not know them, and nothing to another tenant', async () => {
    const known = await setUp('club-many');
    await member('club-many', known.input.apiKey, 'c-many', 300);
    // Linked after the contact registered: this partner has never heard of them.
    const stranger = await setUp('club-many');
    const down = await setUp('club-many', { apiBaseUrl: 'http://127.0.0.1:9' });
    const answer = await h.bus.request(balancesOfContact, ctxOf('club-many'), { contactId: 'c-many' });
    expect(answer.balances).toEqual([expect.objectContaining({ partnerId: known.partner.partnerId, points: 300, stale: false })]);
    expect(answer.unavailable).toEqual([down.partner.partnerId]);
    expect(answer.balances.map((b) => b.partnerId)).not.toContain(stranger.partner.partnerId);
    expect(await h.bus.request(balancesOfContact, ctxOf('club-elsewhere'), { contactId: 'c-many' })).toEqual({ balances: [], unavailable: [] });
  });
});

describe('tenant isolation', () => {
  it("sends each tenant's messages with its own credentials only, into its own partner books", async () => {
    const a = await setUp('club-iso-a');
    const b = await setUp('club-iso-b');
    await h.publish(ContactRegistered, 'club-iso-a', contact('c-a'));
    await h.publish(OrderCompleted, 'club-iso-a', order('o-a', 'c-a', [{ family: 'event', paidMinor: 2000 }]));
    await h.publish(ContactRegistered, 'club-iso-b', contact('c-b'));
    await eventually(async () => (sim.books(a.input.apiKey)?.entries.length === 1 && sim.books(b.input.apiKey)?.members.length === 1 ? true : undefined));
    expect(sim.books(a.input.apiKey)!.members.map((m) => m.externalRef)).toEqual(['c-a']);
    expect(sim.books(b.input.apiKey)!.members.map((m) => m.externalRef)).toEqual(['c-b']);
    expect(sim.books(b.input.apiKey)!.entries).toEqual([]);
  });

  it("answers contacts' balances asked at once (one statement for the partners) each with its own tenant's partners only", async () => {
    const e = await setUp('club-iso-e');
    const f = await setUp('club-iso-f');
    await member('club-iso-e', e.input.apiKey, 'c-ef', 111);
    await member('club-iso-f', f.input.apiKey, 'c-ef', 222);
    const tenants = ['club-iso-e', 'club-iso-f', 'club-iso-none'];
    const asked = Array.from({ length: 30 }, (_, n) => tenants[n % 3]!);
    const answers = await Promise.all(asked.map((t) => h.bus.request(balancesOfContact, ctxOf(t), { contactId: 'c-ef' })));
    const expected: Record<string, { partnerId: string; points: number }[]> = {
      'club-iso-e': [{ partnerId: e.partner.partnerId, points: 111 }],
      'club-iso-f': [{ partnerId: f.partner.partnerId, points: 222 }],
      'club-iso-none': [],
    };
    expect(answers.map((a) => a.balances.map((b) => ({ partnerId: b.partnerId, points: b.points })))).toEqual(asked.map((t) => expected[t]));
  });

  it("never shows, changes or reads balances through another tenant's partner", async () => {
    const a = await setUp('club-iso-c');
    await member('club-iso-c', a.input.apiKey, 'c-c', 10);
    await expect(h.bus.request(balancesGet, ctxOf('club-iso-d'), { partnerId: a.partner.partnerId, contactId: 'c-c' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.bus.request(partnersUpdate, ctxOf('club-iso-d'), { partnerId: a.partner.partnerId, apiKey: 'stolen-key-123' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await h.bus.request(partnersList, ctxOf('club-iso-d'), {})).partners).toEqual([]);
    expect((await h.bus.request(partnersList, ctxOf('club-iso-c'), {})).partners.map((p) => p.partnerId)).toEqual([a.partner.partnerId]);
  });

  it('refuses a second partner of the same name in a tenant, but not in another tenant', async () => {
    const { input } = await setUp('club-names', { name: 'Rewards4Cricket' });
    await expect(h.bus.request(partnersCreate, ctxOf('club-names'), { ...input, name: 'rewards4cricket' })).rejects.toMatchObject({ code: 'PARTNER_NAME_TAKEN' });
    await expect(h.bus.request(partnersCreate, ctxOf('club-names-2'), { ...input })).resolves.toMatchObject({ name: 'Rewards4Cricket' });
  });
});

describe('with Redis unreachable', () => {
  it('still answers balances fresh from the partner and remembers them in PostgreSQL, where the copy in Redis waited for Redis before', async () => {
    const relay = await tcpRelay((await infra()).redisUrl, 6379);
    const cutOff = await startHarness('partner balances redis away', { REDIS_URL: relay.url });
    try {
      const input = partnerInput(sim);
      const created = await cutOff.bus.request(partnersCreate, ctxOf('club-noredis'), input);
      await cutOff.publish(ContactRegistered, 'club-noredis', contact('c-noredis'));
      await eventually(async () => (sim.books(input.apiKey)?.members.some((m) => m.externalRef === 'c-noredis') ? true : undefined));
      relay.cut();
      const asked = { partnerId: created.partnerId, contactId: 'c-noredis' };
      expect(await cutOff.bus.request(balancesGet, ctxOf('club-noredis'), asked)).toMatchObject({ points: 0, stale: false });
      expect(await cutOff.bus.request(balancesOfContact, ctxOf('club-noredis'), { contactId: 'c-noredis' })).toMatchObject({ balances: [{ points: 0 }], unavailable: [] });
      // The partner down now: the answer is the balance PostgreSQL remembered, marked stale.
      sim.setSwitches({ down: true });
      expect(await cutOff.bus.request(balancesGet, ctxOf('club-noredis'), asked)).toMatchObject({ points: 0, stale: true });
    } finally {
      sim.setSwitches({ down: false, latencyMs: 0 });
      await cutOff.stop();
    }
  });
});

describe('with Redis hanging', () => {
  it('answers balances from the partner and PostgreSQL once the Redis deadline passes, instead of waiting for Redis', async () => {
    const input = partnerInput(sim);
    const created = await h.bus.request(partnersCreate, ctxOf('club-hung'), input);
    await member('club-hung', input.apiKey, 'c-hung', 40);
    const redis = h.service.deps.redis;
    const hanging = [jest.spyOn(redis, 'get'), jest.spyOn(redis, 'set')].map((spy) => spy.mockImplementation(() => new Promise(() => undefined) as never));
    try {
      const started = Date.now();
      expect(await h.bus.request(balancesGet, ctxOf('club-hung'), { partnerId: created.partnerId, contactId: 'c-hung' })).toMatchObject({ points: 40, stale: false });
      expect(Date.now() - started).toBeLessThan(2 * REDIS_DEADLINE_MS + 1000);
      sim.setSwitches({ down: true });
      expect(await h.bus.request(balancesGet, ctxOf('club-hung'), { partnerId: created.partnerId, contactId: 'c-hung' })).toMatchObject({ points: 40, stale: true });
    } finally {
      sim.setSwitches({ down: false, latencyMs: 0 });
      for (const spy of hanging) spy.mockRestore();
    }
  });
});
