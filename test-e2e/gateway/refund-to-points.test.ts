import { jsonCodec } from '@tlp/contracts';
import { connectNats, eventually } from '@tlp/testkit';
import { Platform } from '../harness';

/**
 * Seed 000's refund through the whole platform: an order of 80.00 paid partly with points is
 * refunded; the 80.00 goes to the customer's credit note, then 30.00 of it is converted to
 * loyalty points. The credit note ends at 50.00 and the account gains the points, each exactly
 * once although the refund is sent again, the conversion is asked again and its event is
 * delivered again.
 */
const platform = new Platform({ label: 'gw_refund_points' });
const tenant = 'stade';
const contactId = 'fan-80';
type Call = ReturnType<Platform['client']>;
let admin: Call;
let fan: Call;
let accountId = '';

beforeAll(async () => {
  await platform.start();
  admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Stade points',
    unit: 'points',
    wording: { en: 'points' },
    currency: 'EUR',
    // One point is worth 0.01: 30.00 converts to 3,000 points.
    valueNumerator: 1,
    valueDenominator: 1,
  });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  const account = await admin<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId });
  accountId = account.body.accountId;
  await admin('POST', `/v1/loyalty-accounts/${accountId}/adjustments`, { adjustmentId: 'gift', points: 1000, reason: 'gift' });
}, 180_000);
afterAll(() => platform.stop(), 60_000);

const conversions = async () =>
  (await admin<{ entries: { kind: string; points: number; reason: string | null }[] }>('GET', `/v1/loyalty-accounts/${accountId}/history`)).body.entries.filter((e) =>
    e.reason?.includes('refund-80:points'),
  );

/**
 * Publishes an event of the outbox again under a new message id (past the broker's duplicate
 * window, as after an outage), and waits until loyalty's consumer of it has acknowledged it.
 */
async function redeliver(service: string, type: string): Promise<void> {
  const [row] = await platform.sql<{ envelope: unknown }>(service, `SELECT envelope FROM outbox WHERE type = $1`, [type]);
  expect(row).toBeDefined();
  const nc = await connectNats(platform.urls);
  try {
    const ack = await nc.jetstream().publish(platform.iso.subjectPrefix + type, jsonCodec.encode(row!.envelope), { msgID: crypto.randomUUID() });
    const jsm = await nc.jetstreamManager();
    const durable = `loyalty__${type.replace(/[.]/g, '_')}`;
    await eventually(async () => ((await jsm.consumers.info(platform.iso.streamName, durable)).ack_floor.stream_seq >= ack.seq ? true : undefined), 20_000);
  } finally {
    await nc.close();
  }
}

it('credits 80.00 to the credit note, converts 30.00 of it to points, and does each once however often it is retried', async () => {
  const cart = {
    orderId: 'order-80',
    channel: 'web',
    currency: 'EUR',
    lines: [{ lineId: 'l1', productId: 'shirt', productFamily: 'service', unitPriceMinor: 8000, quantity: 1 }],
    pay: { points: { points: 500 } },
  };
  expect((await fan('POST', '/v1/checkout/holds', cart)).status).toBe(201);
  expect((await fan<{ state: string }>('POST', '/v1/checkout/order-80/confirmation')).body.state).toBe('confirmed');
  // 1,000 given, 500 paid part of the order; the program earns nothing on orders.
  await eventually(async () => ((await fan<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account')).body.held === 0 ? true : undefined), 20_000);
  expect((await fan<{ balance: number }>('GET', '/v1/me/loyalty-account')).body.balance).toBe(500);

  const refund = { refundId: 'refund-80', lines: [{ lineId: 'l1', amountMinor: 8000 }], split: { creditNote: 5000, points: 3000 } };
  const first = await admin<{ creditNoteMinor: number; pointsConvertedMinor: number }>('POST', '/v1/checkout/order-80/refunds', refund);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ creditNoteMinor: 5000, pointsConvertedMinor: 3000 });
  // The box office sends it again, twice at once (new requests, the same refund).
  const repeats = await Promise.all([1, 2].map(() => admin('POST', '/v1/checkout/order-80/refunds', refund)));
  for (const r of repeats) expect(r.body).toEqual(first.body);
  // The conversion step asked again by hand with its id, three times at once: one conversion.
  const conversion = { conversionId: 'refund-80:points', amountMinor: 3000, currency: 'EUR' };
  const asked = await Promise.all([1, 2, 3].map(() => admin<{ balanceMinor: number }>('POST', `/v1/contacts/${contactId}/credit-note-conversions`, conversion)));
  expect(asked.map((a) => a.body.balanceMinor)).toEqual([5000, 5000, 5000]);

  await eventually(async () => ((await conversions()).length > 0 ? true : undefined), 20_000);
  // And the events loyalty acts on delivered again, as after an outage: the conversion and the refund.
  await redeliver('voucher', 'evt.voucher.credit-note-converted');
  await redeliver('gateway', 'evt.order.refunded');

  expect((await conversions()).map((e) => e.points)).toEqual([3000]);
  const note = await fan<{ balanceMinor: number; entries: { deltaMinor: number }[] }>('GET', '/v1/me/credit-notes/EUR');
  expect(note.body.balanceMinor).toBe(5000);
  expect(note.body.entries.map((e) => e.deltaMinor).sort((a, b) => a - b)).toEqual([-3000, 8000]);
  // 30.00 at one point per cent: 3,000 points gained, once.
  expect((await fan<{ balance: number }>('GET', '/v1/me/loyalty-account')).body.balance).toBe(500 + 3000);
  const ledger = await platform.sql<{ sum: number; balance: number }>(
    'loyalty',
    `SELECT (SELECT sum(points) FROM entries WHERE account_id = $1)::int AS sum, (SELECT balance FROM accounts WHERE account_id = $1) AS balance`,
    [accountId],
  );
  expect(ledger[0]!.sum).toBe(ledger[0]!.balance);
}, 90_000);
