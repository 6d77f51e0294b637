import { ContactRegistered, jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { randomBytes } from 'node:crypto';
import { Platform } from '../harness';

/**
 * Paying with a loyalty partner's points as part of the checkout (seed 000), through HTTP and the
 * partner simulator's books: the quote shows the partner balance, the hold is a spend
 * authorisation at the partner, confirm captures it, cancel releases it, and a refund gives back
 * the partner-paid part in partner points and the rest to the original payment.
 */
const platform = new Platform({ label: 'gw_partner_checkout', env: { 'partner-sync': { DELIVERY_BASE_DELAY_MS: '100', DELIVERY_POLL_MS: '100' } } });
const tenant = 'rugby-club';
const fanContact = 'fan-r4r';
const apiKey = 'r4r-key-0123456789';
let partnerId = '';
type Call = ReturnType<Platform['client']>;
let fan: Call;
let admin: Call;

interface Books {
  members: { externalRef: string; points: number }[];
  entries: { kind: string; points: number; orderId: string }[];
  authorisations: { orderId: string; points: number; status: string }[];
}

const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(`${platform.simulatorUrl}/_control${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return (await res.json()) as T;
};
const books = () => control<Books>('GET', `/accounts/${apiKey}/books`);
const memberPoints = async () => (await books()).members.find((m) => m.externalRef === fanContact)?.points;
/** Captures and releases reach the partner through partner-sync's durable delivery queue. */
const authorisationOf = (orderId: string, status: string) =>
  eventually(async () => {
    const found = (await books()).authorisations.filter((a) => a.orderId === orderId);
    return found.length === 1 && found[0]!.status === status ? found[0] : undefined;
  }, 20_000);
const cart = (orderId?: string) => ({
  ...(orderId ? { orderId } : {}),
  channel: 'web',
  currency: 'GBP',
  lines: [{ lineId: 'l1', productId: 'match-1', productFamily: 'event', unitPriceMinor: 4000, quantity: 1 }],
  pay: { vouchers: [], partnerPoints: { partnerId, amountMinor: 1500 } },
});

beforeAll(async () => {
  await platform.start();
  admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: fanContact }));
  const outbound = `whsec_${randomBytes(32).toString('base64')}`;
  await control('POST', '/accounts', { apiKey, verifySecrets: [outbound] });
  const partner = await admin<{ partnerId: string }>('POST', '/v1/partners', {
    name: 'Rewards4Rugby',
    apiBaseUrl: platform.simulatorUrl,
    apiKey,
    wording: { en: 'Rugby points' },
    // 1 point is worth 1p.
    conversion: { points: 1, amountMinor: 1, currency: 'GBP' },
    inboundSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
    outboundSecrets: [outbound],
  });
  expect(partner.status).toBe(201);
  partnerId = partner.body.partnerId;

  // The ticketing system registers the fan: partner-sync shares them with the partner, who then credits points earned elsewhere.
  const nc = await connectNats(platform.urls);
  const envelope = { id: crypto.randomUUID(), tenantId: tenant, occurredAt: new Date().toISOString(), type: ContactRegistered.type, data: { contactId: fanContact, seasonTicketHolder: true } };
  await nc.jetstream().publish(platform.iso.subjectPrefix + ContactRegistered.type, jsonCodec.encode(envelope), { msgID: envelope.id });
  await nc.close();
  await eventually(async () => ((await memberPoints()) !== undefined ? true : undefined), 20_000);
  await control('POST', `/accounts/${apiKey}/members/${fanContact}/points`, { delta: 5000 });
}, 180_000);
afterAll(() => platform.stop(), 60_000);

describe('paying with partner points at checkout', () => {
  it('shows the partner balance in the quote, holds it at the partner, captures it on confirm, and refunds the partner part in points', async () => {
    const quote = await fan<{ amountDueMinor: number; balances: { partners: { partnerId: string; points: number; valueMinor: number; stale: boolean }[] } }>(
      'POST',
      '/v1/checkout/quote',
      cart(),
    );
    expect(quote.status).toBe(200);
    expect(quote.body.balances.partners).toEqual([{ partnerId, points: 5000, valueMinor: 5000, stale: false }]);
    expect(quote.body.amountDueMinor).toBe(2500);

    const held = await fan<{ state: string; steps: { step: string; state: string }[] }>('POST', '/v1/checkout/holds', cart('r4r-order-1'));
    expect(held.status).toBe(201);
    expect(held.body.steps.map((s) => s.step)).toContain('partner-points');
    expect(await authorisationOf('r4r-order-1', 'held')).toEqual(expect.objectContaining({ points: 1500 }));

    const confirmed = await fan<{ state: string }>('POST', '/v1/checkout/r4r-order-1/confirmation');
    expect(confirmed.body.state).toBe('confirmed');
    expect(await authorisationOf('r4r-order-1', 'captured')).toEqual(expect.objectContaining({ points: 1500 }));

    // 20.00 back: 5.00 of it in partner points, 15.00 to the card.
    const refund = { refundId: 'r4r-refund-1', lines: [{ lineId: 'l1', amountMinor: 2000 }], split: { original: 1500, partnerPoints: 500 } };
    const refunded = await admin('POST', '/v1/checkout/r4r-order-1/refunds', refund);
    expect(refunded.status).toBe(201);
    expect((await admin('POST', '/v1/checkout/r4r-order-1/refunds', refund, 'same-key')).status).toBe(201);
    expect((await admin('POST', '/v1/checkout/r4r-order-1/refunds', refund, 'same-key')).status).toBe(201);
    const refundsBooked = async () => (await books()).entries.filter((e) => e.orderId === 'r4r-order-1' && e.kind === 'refund').map((e) => e.points);
    await eventually(async () => ((await refundsBooked()).length > 0 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await refundsBooked()).toEqual([500]);

    const tooMuch = await admin<{ code: string }>('POST', '/v1/checkout/r4r-order-1/refunds', { refundId: 'r4r-refund-2', lines: [{ lineId: 'l1', amountMinor: 1100 }], split: { partnerPoints: 1100 } });
    expect(tooMuch.body.code).toBe('REFUND_EXCEEDS_PAID');

    // 1,000 of the 1,500 paid in partner points is left: of 30 refunds of 100 at once, exactly ten go through.
    const racing = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        admin<{ code?: string }>('POST', '/v1/checkout/r4r-order-1/refunds', { refundId: `r4r-race-${n}`, lines: [{ lineId: 'l1', amountMinor: 100 }], split: { partnerPoints: 100 } }),
      ),
    );
    expect(racing.filter((r) => r.status === 201)).toHaveLength(10);
    expect(new Set(racing.filter((r) => r.status !== 201).map((r) => r.body.code))).toEqual(new Set(['REFUND_EXCEEDS_PAID']));
  });

  it('lists a partner that is down as unavailable in the quote when it never gave this fan a balance, rather than showing none or a zero', async () => {
    const newcomer = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-never-asked' }));
    const quote = () => newcomer<{ balances: { partners: unknown[]; partnersUnavailable: string[] } }>('POST', '/v1/checkout/quote', { ...cart(), pay: { vouchers: [] } });
    await control('POST', '/', { down: true });
    try {
      const down = await quote();
      expect(down.status).toBe(200);
      expect(down.body.balances).toMatchObject({ partners: [], partnersUnavailable: [partnerId] });
    } finally {
      await control('POST', '/', { down: false });
    }
    // Up again, the partner answers that this contact is not its member: nothing to offer, and not "unavailable".
    await eventually(async () => ((await quote()).body.balances.partnersUnavailable.length === 0 ? true : undefined), 30_000);
    expect((await quote()).body.balances).toMatchObject({ partners: [], partnersUnavailable: [] });
  });

  it('releases the partner authorisation when the order is cancelled', async () => {
    const held = await fan<{ state: string }>('POST', '/v1/checkout/holds', cart('r4r-order-2'));
    expect(held.body.state).toBe('held');
    await authorisationOf('r4r-order-2', 'held');
    const cancelled = await fan<{ state: string }>('POST', '/v1/checkout/r4r-order-2/cancellation');
    expect(cancelled.body.state).toBe('cancelled');
    await authorisationOf('r4r-order-2', 'released');
    expect((await books()).entries.filter((e) => e.orderId === 'r4r-order-2')).toEqual([]);
  });

  it('refuses a hold beyond the partner balance and holds nothing else', async () => {
    const greedy = { ...cart('r4r-order-3'), pay: { vouchers: [], partnerPoints: { partnerId, amountMinor: 4000 } } };
    await control('POST', `/accounts/${apiKey}/members/${fanContact}/points`, { delta: -3000 });
    const held = await fan<{ state: string; code?: string }>('POST', '/v1/checkout/holds', greedy);
    expect(held.status).toBeGreaterThanOrEqual(400);
    expect((await books()).authorisations.filter((a) => a.orderId === 'r4r-order-3' && a.status === 'held')).toEqual([]);
  });

  it('still quotes when partner-sync itself is down, leaving partner points out, and shows them again once it is back', async () => {
    const plainCart = { ...cart(), pay: { vouchers: [] } };
    const quote = () => fan<{ totalMinor: number; balances: { partners: { partnerId: string }[]; partnersUnavailable: string[] } }>('POST', '/v1/checkout/quote', plainCart);
    expect((await quote()).body.balances.partners.map((p) => p.partnerId)).toEqual([partnerId]);
    await platform.kill('partner-sync');
    try {
      const down = await quote();
      expect(down.status).toBe(200);
      expect(down.body.totalMinor).toBe(4000);
      expect(down.body.balances).toMatchObject({ partners: [], partnersUnavailable: [] });
    } finally {
      await platform.restart('partner-sync');
    }
    await eventually(async () => ((await quote()).body.balances.partners.length === 1 ? true : undefined), 30_000);
  });
});
