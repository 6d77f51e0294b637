import { Platform } from '../harness';

/**
 * A service that does not answer gives 503 problem+json with Retry-After, fast, while the others
 * carry on. A confirm the gateway accepted is finished after a crash: the promotion capture is done, the
 * points capture cannot be (loyalty is down), the gateway is killed with SIGKILL; once both are
 * back, the restarted gateway completes the order by itself, publishing it once.
 */
const platform = new Platform({ label: 'gw_crash', env: { gateway: { CHECKOUT_RECOVERY_EVERY_MS: '500', BACKEND_TIMEOUT_MS: '1000' } } });
const tenant = 'stadium';

beforeAll(() => platform.start(), 180_000);
afterAll(() => platform.stop(), 60_000);

it('answers 503 with Retry-After for a service that is down, fast, and finishes a confirm after the gateway is killed between captures', async () => {
  const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-crash' }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', { name: 'P', unit: 'points', wording: { en: 'points' }, currency: 'EUR' });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  const account = await admin<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: 'fan-crash' });
  await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: 'gift', points: 500, reason: 'gift' });

  const cart = {
    orderId: 'crash-1',
    channel: 'web',
    currency: 'EUR',
    lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 5000, quantity: 1 }],
    pay: { points: { points: 200 } },
  };
  const held = await fan<{ state: string; steps: { step: string }[] }>('POST', '/v1/checkout/holds', cart);
  expect(held.body.state).toBe('held');
  expect(held.body.steps.map((s) => s.step)).toEqual(['promotion', 'points']);

  await platform.kill('loyalty');
  const confirm = await fan<{ code: string }>('POST', '/v1/checkout/crash-1/confirmation');
  expect(confirm.status).toBe(503);
  expect(confirm.headers.get('content-type')).toContain('application/problem+json');
  expect(Number(confirm.headers.get('retry-after'))).toBeGreaterThan(0);
  // Loyalty is down; the rest of the platform carries on, and loyalty's routes fail fast.
  const started = Date.now();
  expect((await admin('GET', '/v1/advantages')).status).toBe(200);
  for (let n = 0; n < 12; n++) expect((await admin('GET', '/v1/loyalty-programs')).status).toBe(503);
  expect(Date.now() - started).toBeLessThan(3000);
  const [saga] = await platform.sql<{ state: string }>('gateway', `SELECT state FROM checkout_sagas WHERE order_id = 'crash-1'`);
  expect(saga!.state).toBe('confirming');
  const steps = await platform.sql<{ step: string; state: string }>('gateway', `SELECT step, state FROM checkout_steps WHERE order_id = 'crash-1' ORDER BY step`);
  expect(steps).toEqual([
    { step: 'points', state: 'held' },
    { step: 'promotion', state: 'captured' },
  ]);

  await platform.kill('gateway');
  await platform.restart('loyalty');
  await platform.restart('gateway');

  const deadline = Date.now() + 20_000;
  let state = '';
  while (Date.now() < deadline) {
    state = (await fan<{ state: string }>('GET', '/v1/checkout/crash-1')).body.state;
    if (state === 'confirmed') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(state).toBe('confirmed');
  expect((await fan<{ balance: number; held: number }>('GET', '/v1/me/loyalty-account')).body).toMatchObject({ held: 0 });
  const [events] = await platform.sql<{ n: number }>('gateway', `SELECT count(*)::int AS n FROM outbox WHERE type = 'evt.order.completed' AND envelope->'data'->>'orderId' = 'crash-1'`);
  expect(events!.n).toBe(1);
}, 120_000);

it('still quotes while the voucher service is down, with the credit note marked unavailable, and needs it only to pay with it', async () => {
  const fan = platform.client(await platform.token({ tenant, roles: ['fan'], contactId: 'fan-voucher-down' }));
  const cart = { channel: 'web', currency: 'EUR', lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 5000, quantity: 1 }] };
  type Balances = { creditNoteMinor: number; creditNoteUnavailable: boolean };
  const quote = (pay: Record<string, unknown> = {}) => fan<{ totalMinor: number; balances: Balances; code?: string }>('POST', '/v1/checkout/quote', { ...cart, pay });
  expect((await quote()).body.balances).toMatchObject({ creditNoteMinor: 0, creditNoteUnavailable: false });

  await platform.kill('voucher');
  try {
    const down = await quote();
    expect(down.status).toBe(200);
    expect(down.body.totalMinor).toBe(5000);
    expect(down.body.balances).toMatchObject({ creditNoteMinor: 0, creditNoteUnavailable: true });
    const paying = await quote({ creditNoteMinor: 1000 });
    expect(paying.status).toBe(503);
    expect(paying.headers.get('content-type')).toContain('application/problem+json');
  } finally {
    await platform.restart('voucher');
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (await quote()).body.balances.creditNoteUnavailable) await new Promise((r) => setTimeout(r, 300));
  expect((await quote()).body.balances).toMatchObject({ creditNoteMinor: 0, creditNoteUnavailable: false });
}, 90_000);
