import { eventually } from '@tlp/testkit';
import { Platform } from '../harness';

/**
 * Seed 002 after the sale, through HTTP only: an advantage edited in operation, and a refund at
 * the box office giving back the quota units and the single-use code the order took.
 */
const platform = new Platform({ label: 'gw_promo_refund' });
const tenant = 'stade';
type Call = ReturnType<Platform['client']>;
let operator: Call;
let boxOffice: Call;
let fan: Call;

beforeAll(async () => {
  await platform.start();
  operator = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  boxOffice = platform.client(await platform.token({ tenant, roles: ['box-office'] }));
  fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-1' }));
}, 180_000);

afterAll(() => platform.stop(), 60_000);

it('an advantage in operation is edited within limits, and a refund gives back its units line by line and the code once the line is refunded in full', async () => {
  const created = await operator<{ advantageId: string }>('POST', '/v1/advantages', {
    season: '2026-2027',
    family: 'event',
    names: { internal: { fr: 'Codes partenaires' }, public: { fr: 'Offre partenaire' } },
    target: { type: 'single-use-codes' },
    quota: 5,
    prices: [{ productId: 'match-1', priceMinor: 3000, currency: 'EUR' }],
  });
  expect(created.status).toBe(201);
  const advantageId = created.body.advantageId;
  expect((await operator('POST', `/v1/advantages/${advantageId}/transitions`, { to: 'in-operation' })).status).toBe(200);
  const batch = await operator<{ batchId: string }>('POST', '/v1/code-batches', { advantageId, contactId: 'SECUTX', count: 1 });
  expect(batch.status).toBe(201);
  const listed = await operator<{ codes: { code: string }[] }>('GET', `/v1/codes?batchId=${batch.body.batchId}`);
  const code = listed.body.codes[0]!.code;

  const cart = {
    channel: 'web',
    currency: 'EUR',
    lines: [{ lineId: 'l1', productId: 'match-1', productFamily: 'event', unitPriceMinor: 5000, quantity: 2 }],
    codes: [code],
  };
  expect((await fan('POST', '/v1/checkout/holds', { ...cart, orderId: 'match-order' })).status).toBe(201);
  expect((await fan<{ state: string }>('POST', '/v1/checkout/match-order/confirmation')).body.state).toBe('confirmed');
  const taken = async () => (await operator<{ quotaTaken: number }>('GET', `/v1/advantages/${advantageId}`)).body.quotaTaken;
  const codeState = async () => (await boxOffice<{ state: string }>('GET', `/v1/codes/${code}`)).body.state;
  expect([await taken(), await codeState()]).toEqual([2, 'used']);

  expect(await operator('PATCH', `/v1/advantages/${advantageId}`, { quota: 1 })).toMatchObject({ status: 409, body: { code: 'PROMOTION_QUOTA_BELOW_TAKEN' } });
  expect(await operator('PATCH', `/v1/advantages/${advantageId}`, { season: '2027-2028' })).toMatchObject({ status: 409, body: { code: 'PROMOTION_FIELD_LOCKED' } });
  const renamed = await operator('PATCH', `/v1/advantages/${advantageId}`, { names: { internal: { fr: 'Codes' }, public: { fr: 'Offre revue' } }, quota: 3 });
  expect(renamed).toMatchObject({ status: 200, body: { quota: 3, names: { public: { fr: 'Offre revue' } } } });

  // The line cost 60.00 (two tickets at 30.00): one ticket refunded, then the other.
  const refund = (refundId: string) => boxOffice('POST', '/v1/checkout/match-order/refunds', { refundId, lines: [{ lineId: 'l1', amountMinor: 3000 }], split: { original: 3000 } });
  expect((await refund('match-r1')).status).toBe(201);
  await eventually(async () => ((await taken()) === 1 ? true : undefined), 20_000);
  expect(await codeState()).toBe('used');
  expect((await refund('match-r2')).status).toBe(201);
  await eventually(async () => ((await taken()) === 0 ? true : undefined), 20_000);
  expect(await codeState()).toBe('available');
});
