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

  const refund = { refundId: 'refund-80', lines: [{ lineId: 'l1', amountMinor: 8000 }], split: { creditNote: 5000, points: 3000 } };
  const first = await admin<{ creditNoteMinor: number; pointsConvertedMinor: number }>('POST', '/v1/checkout/order-80/refunds', refund);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({ creditNoteMinor: 5000, pointsConvertedMinor: 3000 });
  // The box office sends it again (a new request, the same refund).
  expect((await admin('POST', '/v1/checkout/order-80/refunds', refund)).body).toEqual(first.body);
  // The conversion step asked again, by hand, with its id.
  await admin('POST', `/v1/contacts/${contactId}/credit-note-conversions`, { conversionId: 'refund-80:points', amountMinor: 3000, currency: 'EUR' });

  await eventually(async () => ((await conversions()).length > 0 ? true : undefined), 20_000);
  // And the conversion event delivered again past the broker's duplicate window (another message id).
  const [converted] = await platform.sql<{ envelope: unknown }>('voucher', `SELECT envelope FROM outbox WHERE type = 'evt.voucher.credit-note-converted'`);
  const nc = await connectNats(platform.urls);
  await nc.jetstream().publish(platform.iso.subjectPrefix + 'evt.voucher.credit-note-converted', jsonCodec.encode(converted!.envelope), { msgID: crypto.randomUUID() });
  await nc.close();
  await new Promise((r) => setTimeout(r, 1500));

  expect((await conversions()).map((e) => e.points)).toEqual([3000]);
  const note = await fan<{ balanceMinor: number; entries: { deltaMinor: number }[] }>('GET', '/v1/me/credit-notes/EUR');
  expect(note.body.balanceMinor).toBe(5000);
  expect(note.body.entries.map((e) => e.deltaMinor).sort((a, b) => a - b)).toEqual([-3000, 8000]);
  const ledger = await platform.sql<{ sum: number; balance: number }>(
    'loyalty',
    `SELECT (SELECT sum(points) FROM entries WHERE account_id = $1)::int AS sum, (SELECT balance FROM accounts WHERE account_id = $1) AS balance`,
    [accountId],
  );
  expect(ledger[0]!.sum).toBe(ledger[0]!.balance);
}, 60_000);
