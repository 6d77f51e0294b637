import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import { Platform } from '../harness';

/**
 * Tenant isolation on every route of the published API, through HTTP against the whole platform.
 * Tenant "north" owns one of each resource. An administrator of tenant "south" (whose token even
 * names the same contact) then calls every route with north's ids and valid bodies: each route
 * that names a resource answers 404, no answer of any route carries anything of north's, and
 * north's resources read the same afterwards. Another fan of north reaching the first fan's
 * order gets 403 or 404.
 */
const platform = new Platform({ label: 'gw_tenants' });
const north = 'north';
const south = 'south';
const fanContact = 'fan-n';

interface Operation {
  method: string;
  path: string;
  description: string;
}

type Call = ReturnType<Platform['client']>;
let operations: Operation[] = [];
let northAdmin: Call;
/** Path parameter name → one of north's values for it. */
const ids: Record<string, string> = { contactId: fanContact, currency: 'EUR' };
/** Anything of north's that must never reach south: ids, codes, names, keys. */
const marks = new Set<string>();
/** Parameters that name the caller's own contact or a currency rather than a resource of north's. */
const notResources = new Set(['contactId', 'currency']);

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const seat = (number: string) => ({ area: 'North stand', row: 'A', number });

/** Valid bodies for the routes that change a resource, so a refusal is about the tenant and not the input. */
const bodies: Record<string, unknown> = {
  'POST /v1/checkout/{orderId}/refunds': { refundId: 'south-refund', lines: [{ lineId: 'l1', amountMinor: 100 }], split: { original: 100 } },
  'PATCH /v1/loyalty-programs/{programId}': { name: 'Taken over' },
  'POST /v1/loyalty-programs/{programId}/activation': { active: false },
  'POST /v1/loyalty-programs/{programId}/clones': { name: 'Copied' },
  'POST /v1/loyalty-accounts/{accountId}/adjustments': { adjustmentId: 'south-adjustment', points: -100, reason: 'taken' },
  'PATCH /v1/rewards/{rewardId}': { name: 'Taken over' },
  'POST /v1/rewards/{rewardId}/activation': { active: false },
  'POST /v1/rewards/{rewardId}/clones': { name: 'Copied' },
  'POST /v1/rewards/{rewardId}/grants': { contactId: fanContact, force: true },
  'POST /v1/rewards/{rewardId}/revocations': { contactId: fanContact },
  'POST /v1/advantages/{advantageId}/transitions': { to: 'closed' },
  'POST /v1/advantages/{advantageId}/targets': { mode: 'replace', contactIds: ['south-fan'] },
  'PATCH /v1/advantages/{advantageId}': { names: { internal: { en: 'Taken over' }, public: { en: 'Taken over' } } },
  'PATCH /v1/promo-codes/{promoCodeId}': { names: { internal: { en: 'Taken over' }, public: { en: 'Taken over' } } },
  'POST /v1/promo-codes/{promoCodeId}/transitions': { to: 'closed' },
  'POST /v1/vouchers/{voucherId}/cancellation': { reason: 'taken' },
  'POST /v1/contacts/{contactId}/credit-note-conversions': { conversionId: 'south-conversion', amountMinor: 100, currency: 'EUR' },
  'PATCH /v1/partners/{partnerId}': { name: 'Taken over' },
  'POST /v1/partners/{partnerId}/secrets': { direction: 'inbound', secret: whsec() },
};
/** Routes whose mutation carries no body. */
const bodiless = new Set([
  'POST /v1/checkout/{orderId}/confirmation',
  'POST /v1/checkout/{orderId}/cancellation',
  'DELETE /v1/contacts/{contactId}/preferred-seats/{physicalConfigurationId}',
  'POST /v1/renewal-reservations/{holdingId}/confirmation',
  'POST /v1/partner-deliveries/{deliveryId}/replay',
]);

function remember(name: string, value: string): string {
  ids[name] = value;
  marks.add(value);
  return value;
}

async function created<T extends Record<string, unknown>>(call: Call, path: string, body: unknown): Promise<T> {
  const r = await call<T>('POST', path, body);
  if (r.status < 200 || r.status > 299) throw new Error(`seeding ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One of each resource in tenant north, through its API. */
async function seedNorth(): Promise<void> {
  const fan = platform.client(await platform.token({ tenant: north, roles: ['fan'], contactId: fanContact }));
  const program = await created<{ programId: string }>(northAdmin, '/v1/loyalty-programs', {
    name: 'North stars',
    unit: 'points',
    wording: { en: 'north stars' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
    tiers: [{ name: 'North gold', criterion: 'total-spending', threshold: 100_000 }],
  });
  remember('programId', program.programId);
  await created(northAdmin, `/v1/loyalty-programs/${program.programId}/activation`, { active: true });
  marks.add('North stars');
  const account = await created<{ accountId: string }>(northAdmin, '/v1/loyalty-accounts', { contactId: fanContact, phone: '+33611112222' });
  remember('accountId', account.accountId);
  marks.add('+33611112222');
  await created(northAdmin, `/v1/loyalty-accounts/${account.accountId}/adjustments`, { adjustmentId: 'welcome', points: 500, reason: 'welcome' });

  const reward = await created<{ rewardId: string }>(northAdmin, '/v1/rewards', {
    name: 'North thanks',
    conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
    reward: { type: 'percentage', basisPoints: 1000 },
    validity: { kind: 'until', until: new Date(Date.now() + 30 * 86_400_000).toISOString() },
  });
  remember('rewardId', reward.rewardId);
  marks.add('North thanks');
  await created(northAdmin, `/v1/rewards/${reward.rewardId}/activation`, { active: true });
  await created(northAdmin, `/v1/rewards/${reward.rewardId}/grants`, { contactId: fanContact });

  const advantage = await created<{ advantageId: string }>(northAdmin, '/v1/advantages', {
    season: '2026-2027',
    family: 'event',
    names: { internal: { en: 'North codes' }, public: { en: 'North codes' } },
    target: { type: 'single-use-codes' },
    prices: [{ productId: 'north-show', priceMinor: 3000, currency: 'EUR' }],
  });
  remember('advantageId', advantage.advantageId);
  marks.add('North codes');
  await created(northAdmin, `/v1/advantages/${advantage.advantageId}/transitions`, { to: 'in-operation' });
  const batch = await created<{ batchId: string }>(northAdmin, '/v1/code-batches', { advantageId: advantage.advantageId, contactId: fanContact, count: 3 });
  remember('batchId', batch.batchId);
  const codes = await eventually(async () => {
    const r = await northAdmin<{ codes: { code: string }[] }>('GET', `/v1/codes?batchId=${batch.batchId}`);
    return r.body.codes?.length === 3 ? r.body.codes : undefined;
  });
  for (const c of codes) marks.add(c.code);
  remember('code', codes[0]!.code);

  const promo = await created<{ promoCodeId: string }>(northAdmin, '/v1/promo-codes', {
    accessCode: 'NORTHONLY',
    names: { internal: { en: 'North promo' }, public: { en: 'North promo' } },
    discount: { kind: 'percent', basisPoints: 500 },
  });
  remember('promoCodeId', promo.promoCodeId);
  marks.add('NORTHONLY');
  await created(northAdmin, `/v1/promo-codes/${promo.promoCodeId}/transitions`, { to: 'in-operation' });

  const voucher = await created<{ voucherId: string; code: string }>(northAdmin, '/v1/vouchers', {
    saleId: 'north-sale',
    currency: 'EUR',
    valueMinor: 5000,
    contactId: fanContact,
    validUntil: new Date(Date.now() + 365 * 86_400_000).toISOString(),
  });
  remember('voucherId', voucher.voucherId);
  marks.add(voucher.code);

  // An order of north's fan, confirmed, then partly refunded to the credit note.
  const cart = { channel: 'web', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'north-show', productFamily: 'event', unitPriceMinor: 5000, quantity: 1 }], codes: ['NORTHONLY'] };
  await created(fan, '/v1/checkout/holds', { ...cart, orderId: 'north-order' });
  remember('orderId', 'north-order');
  await created(fan, '/v1/checkout/north-order/confirmation', undefined);
  await created(northAdmin, '/v1/checkout/north-order/refunds', { refundId: 'north-refund', lines: [{ lineId: 'l1', amountMinor: 1000 }], split: { creditNote: 1000 } });
  const creditNote = await northAdmin<{ creditNoteId: string }>('GET', `/v1/contacts/${fanContact}/credit-notes/EUR`);
  marks.add(creditNote.body.creditNoteId);

  // A venue, a performance, a fixed-seat season ticket bought by the fan, and a renewal run.
  const space = await created<{ spaceId: string }>(northAdmin, '/v1/spaces', { name: 'North arena' });
  marks.add(space.spaceId);
  const physical = await created<{ physicalConfigurationId: string }>(northAdmin, '/v1/physical-configurations', { spaceId: space.spaceId, name: 'North bowl', seats: [seat('1'), seat('2')] });
  remember('physicalConfigurationId', physical.physicalConfigurationId);
  bodies['POST /v1/season-tickets/{seasonTicketId}/purchases'] = {
    orderId: 'south-order',
    tickets: [{ contactId: fanContact, seatCategory: 'cat-1', seats: [{ ...seat('2'), physicalConfigurationId: physical.physicalConfigurationId }] }],
  };
  const logical = await created<{ logicalConfigurationId: string }>(northAdmin, '/v1/logical-configurations', {
    physicalConfigurationId: physical.physicalConfigurationId,
    name: 'North concert',
    seats: [{ ...seat('1'), category: 'cat-1' }, { ...seat('2'), category: 'cat-1' }],
  });
  marks.add(logical.logicalConfigurationId);
  const performances = [];
  for (const day of [1, 2]) {
    const p = await created<{ performanceId: string }>(northAdmin, '/v1/performances', {
      logicalConfigurationId: logical.logicalConfigurationId,
      name: `North night ${day}`,
      startsAt: new Date(Date.now() + day * 86_400_000).toISOString(),
    });
    performances.push(p.performanceId);
  }
  remember('performanceId', performances[0]!);
  const ticket = await created<{ seasonTicketId: string }>(northAdmin, '/v1/season-tickets', { name: 'North season', type: 'fixed-seat', quota: 10, performanceIds: [performances[0]] });
  remember('seasonTicketId', ticket.seasonTicketId);
  const next = await created<{ seasonTicketId: string }>(northAdmin, '/v1/season-tickets', { name: 'North next season', type: 'fixed-seat', quota: 10, performanceIds: [performances[1]] });
  marks.add(next.seasonTicketId);
  const purchase = await created<{ holdings: { holdingId: string }[] }>(northAdmin, `/v1/season-tickets/${ticket.seasonTicketId}/purchases`, {
    orderId: 'north-season-order',
    tickets: [{ contactId: fanContact, seatCategory: 'cat-1', seats: [{ ...seat('1'), physicalConfigurationId: physical.physicalConfigurationId }] }],
  });
  remember('holdingId', purchase.holdings[0]!.holdingId);
  const run = await created<{ runId: string }>(northAdmin, '/v1/renewal-runs', {
    runKey: 'north-run',
    originSeasonTicketId: ticket.seasonTicketId,
    targetSeasonTicketId: next.seasonTicketId,
    createReservation: 'YES',
  });
  remember('runId', run.runId);
  marks.add('north-run');
  await eventually(async () => ((await northAdmin<{ status: string }>('GET', `/v1/renewal-runs/${run.runId}`)).body.status === 'completed' ? true : undefined));

  // A partner, and a contact registered upstream, shared with it: a delivery.
  const partner = await created<{ partnerId: string }>(northAdmin, '/v1/partners', {
    name: 'North rewards',
    apiBaseUrl: platform.simulatorUrl,
    apiKey: 'north-key-123456',
    wording: { en: 'north partner points' },
    conversion: { points: 100, amountMinor: 100, currency: 'EUR' },
    inboundSecrets: [whsec()],
    outboundSecrets: [whsec()],
  });
  remember('partnerId', partner.partnerId);
  marks.add('north-key-123456');
  const nc = await connectNats(platform.urls);
  const envelope = { id: crypto.randomUUID(), tenantId: north, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: fanContact, seasonTicketHolder: true } };
  await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
  await nc.close();
  const [delivery] = await eventually(async () => {
    const rows = await platform.sql<{ delivery_id: string }>('partner-sync', `SELECT delivery_id FROM deliveries WHERE tenant_id = $1`, [north]);
    return rows.length ? rows : undefined;
  });
  remember('deliveryId', delivery!.delivery_id);
}

const fill = (path: string) =>
  path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = ids[name];
    if (value === undefined) throw new Error(`no resource of north's seeded for {${name}}: seed one in seedNorth`);
    return encodeURIComponent(value);
  });
const routeOf = (op: Operation) => `${op.method.toUpperCase()} ${op.path}`;
const namesResource = (op: Operation) => [...op.path.matchAll(/\{([^}]+)\}/g)].some(([, name]) => !notResources.has(name!));
/** North's marks in an answer, except those the caller sent itself (a 404 may name what was asked for). */
const leaked = (answer: unknown, sent: string) => [...marks].filter((m) => JSON.stringify(answer ?? '').includes(m) && !sent.includes(m));

/** What north's administrator reads on every route that reads one of its resources. */
async function northView(): Promise<Record<string, unknown>> {
  const view: Record<string, unknown> = {};
  for (const op of operations.filter((o) => o.method === 'get' && namesResource(o))) {
    // Delivery attempts and partner state move by themselves while the partner is called.
    if (op.path.includes('partner')) continue;
    const r = await northAdmin('GET', fill(op.path));
    view[routeOf(op)] = { status: r.status, body: r.body };
  }
  return view;
}

beforeAll(async () => {
  await platform.start();
  northAdmin = platform.client(await platform.token({ tenant: north, roles: ['admin'], contactId: fanContact }));
  const spec = (await (await fetch(`${platform.gatewayUrl}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>> };
  operations = Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, ...op })));
  await seedNorth();
}, 240_000);
afterAll(() => platform.stop(), 60_000);

describe('tenant isolation on every route', () => {
  it('answers 404 to another tenant on every route that names a resource, leaks nothing on any route, and changes nothing', async () => {
    const before = await northView();
    const southAdmin = platform.client(await platform.token({ tenant: south, roles: ['admin'], contactId: fanContact }));
    const answers: { route: string; status: number; leaked: string[] }[] = [];
    for (const op of operations) {
      const route = routeOf(op);
      const mutation = op.method !== 'get';
      if (mutation && namesResource(op) && !(route in bodies) && !bodiless.has(route)) throw new Error(`no valid body for ${route}: add one to bodies`);
      const path = fill(op.path);
      const body = bodies[route] ?? (mutation && !bodiless.has(route) ? {} : undefined);
      const r = await southAdmin(op.method.toUpperCase(), path, body);
      answers.push({ route, status: r.status, leaked: leaked(r.body, decodeURIComponent(path) + JSON.stringify(body ?? '')) });
    }
    for (const a of answers) expect({ route: a.route, leaked: a.leaked }).toEqual({ route: a.route, leaked: [] });
    const resourceRoutes = operations.filter(namesResource).map(routeOf);
    expect(resourceRoutes.length).toBeGreaterThan(35);
    for (const a of answers.filter((x) => resourceRoutes.includes(x.route))) expect({ route: a.route, status: a.status }).toEqual({ route: a.route, status: 404 });
    expect(await northView()).toEqual(before);
  }, 180_000);

  it("answers 403 or 404 to a fan reaching another fan's order", async () => {
    const otherFan = platform.client(await platform.token({ tenant: north, roles: ['fan'], contactId: 'fan-other' }));
    const fanRoutes = operations.filter((op) => op.path.includes('{orderId}') && /Requires the role fan/.test(op.description));
    expect(fanRoutes.map(routeOf).sort()).toEqual(['GET /v1/checkout/{orderId}', 'POST /v1/checkout/{orderId}/cancellation', 'POST /v1/checkout/{orderId}/confirmation']);
    for (const op of fanRoutes) {
      const r = await otherFan(op.method.toUpperCase(), fill(op.path));
      expect({ route: routeOf(op), status: [403, 404].includes(r.status), leaked: leaked(r.body, decodeURIComponent(fill(op.path))) }).toEqual({ route: routeOf(op), status: true, leaked: [] });
    }
    const order = await northAdmin<{ state: string }>('GET', '/v1/checkout/north-order');
    expect(order.body.state).toBe('confirmed');
  }, 60_000);
});
