import { Platform } from '../harness';

/**
 * Checkouts from clients that retry every request (same Idempotency-Key) while loyalty,
 * promotion, voucher and the gateway are each killed with SIGKILL mid-stream and restarted.
 * Afterwards: every ledger sum equals its balance, no balance is negative, every confirmed
 * order earned exactly once, no hold is left past its expiry, no order is left half-done.
 */
const platform = new Platform({
  label: 'rel_kill',
  env: {
    gateway: { CHECKOUT_RECOVERY_EVERY_MS: '500', BACKEND_TIMEOUT_MS: '1500', CHECKOUT_HOLD_TTL_SECONDS: '20' },
    loyalty: { EXPIRY_JOB_EVERY_MS: '500' },
  },
});
const tenant = 'festival';
const FANS = 4;
const ORDERS_PER_FAN = 12;

beforeAll(() => platform.start(), 180_000);
afterAll(() => platform.stop(), 60_000);

/** A client that retries on network errors and 5xx with the same key, as a webshop should. */
function retrying(token: string) {
  const call = platform.client(token);
  return async <T>(method: string, path: string, body: unknown, key: string): Promise<{ status: number; body: T }> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await call<T>(method, path, body, key);
        if (r.status < 500 || attempt >= 40) return r;
      } catch (e) {
        if (attempt >= 40) throw e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}

it('keeps every invariant while services are killed mid-stream', async () => {
  const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Festival points',
    unit: 'points',
    wording: { en: 'points' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
  });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  for (let f = 0; f < FANS; f++) {
    const account = await admin<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: `fan-${f}` });
    await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: `seed-${f}`, points: 10_000, reason: 'seed' });
  }

  const outcomes: Record<string, number> = {};
  const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  const stream = Array.from({ length: FANS }, async (_, f) => {
    const fan = retrying(await platform.token({ tenant, roles: ['fan'], contactId: `fan-${f}` }));
    for (let n = 0; n < ORDERS_PER_FAN; n++) {
      const orderId = `o-${f}-${n}`;
      const cart = {
        orderId,
        channel: 'web',
        currency: 'EUR',
        lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', unitPriceMinor: 2500, quantity: 1 }],
        pay: { points: { points: 100 } },
      };
      const held = await fan<{ state: string }>('POST', '/v1/checkout/holds', cart, `hold-${orderId}`);
      if (held.status !== 201) {
        note(`hold ${held.status}`);
        continue;
      }
      const done = await fan<{ state: string }>('POST', `/v1/checkout/${orderId}/${n % 5 === 4 ? 'cancellation' : 'confirmation'}`, undefined, `end-${orderId}`);
      note(`${done.status} ${done.body.state ?? ''}`);
    }
  });
  const chaos = (async () => {
    for (const service of ['loyalty', 'promotion', 'voucher', 'gateway']) {
      await new Promise((r) => setTimeout(r, 700));
      await platform.kill(service);
      await new Promise((r) => setTimeout(r, 300));
      await platform.restart(service);
    }
  })();
  await Promise.all([...stream, chaos]);

  // Let recovery, the expiry jobs and the consumers catch up.
  const deadline = Date.now() + 40_000;
  let open: { n: number }[] = [];
  while (Date.now() < deadline) {
    open = await platform.sql<{ n: number }>('gateway', `SELECT count(*)::int AS n FROM checkout_sagas WHERE state IN ('holding', 'held', 'confirming', 'cancelling')`);
    if (open[0]!.n === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect({ openSagas: open[0]!.n, outcomes }).toMatchObject({ openSagas: 0 });

  const confirmed = await platform.sql<{ order_id: string }>('gateway', `SELECT order_id FROM checkout_sagas WHERE state = 'confirmed' ORDER BY order_id`);
  expect(confirmed.length).toBeGreaterThan(0);
  const [published] = await platform.sql<{ n: number; distinct: number }>(
    'gateway',
    `SELECT count(*)::int AS n, count(DISTINCT envelope->'data'->>'orderId')::int AS distinct FROM outbox WHERE type = 'evt.order.completed'`,
  );
  expect(published).toEqual({ n: confirmed.length, distinct: confirmed.length });

  const earnDeadline = Date.now() + 30_000;
  let earned: { order_id: string }[] = [];
  while (Date.now() < earnDeadline) {
    earned = await platform.sql<{ order_id: string }>('loyalty', `SELECT order_id FROM order_earnings ORDER BY order_id`);
    if (earned.length >= confirmed.length) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(earned.map((e) => e.order_id)).toEqual(confirmed.map((c) => c.order_id));

  const ledgers = await platform.sql<{ account_id: string; balance: number; held: number; sum: number; lots: number }>(
    'loyalty',
    `SELECT a.account_id, a.balance, a.held, coalesce((SELECT sum(points) FROM entries e WHERE e.account_id = a.account_id), 0)::int AS sum,
            coalesce((SELECT sum(remaining) FROM lots l WHERE l.account_id = a.account_id), 0)::int AS lots
     FROM accounts a`,
  );
  for (const l of ledgers) {
    expect(l.balance).toBeGreaterThanOrEqual(0);
    expect(l.sum).toBe(l.balance);
    expect(l.lots).toBe(l.balance);
  }
  const holdDeadline = Date.now() + 30_000;
  let stale: { n: number }[] = [];
  while (Date.now() < holdDeadline) {
    stale = await platform.sql<{ n: number }>('loyalty', `SELECT count(*)::int AS n FROM holds WHERE state = 'held'`);
    if (stale[0]!.n === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(stale[0]!.n).toBe(0);
  const captured = await platform.sql<{ order_id: string }>('loyalty', `SELECT order_id FROM holds WHERE state = 'captured' ORDER BY order_id`);
  expect(captured.map((c) => c.order_id)).toEqual(confirmed.map((c) => c.order_id));
}, 300_000);
