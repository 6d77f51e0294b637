import type { Platform } from '../harness';

/**
 * A stream of checkouts from fans whose clients retry every request, and the invariants that
 * must hold once the platform has settled, shared by the fault tests.
 */

/**
 * A client that retries with the same key, as a webshop should: on network errors, on 5xx, and
 * on a 409 or 429 that says when to come back (`Retry-After`: the same request still running, a
 * rate limit).
 */
export function retrying(platform: Platform, token: string) {
  const call = platform.client(token);
  return async <T>(method: string, path: string, body: unknown, key: string): Promise<{ status: number; body: T }> => {
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await call<T>(method, path, body, key);
        const comeBack = (r.status === 409 || r.status === 429) && r.headers.get('retry-after') !== null;
        if ((r.status < 500 && !comeBack) || attempt >= 60) return r;
      } catch (e) {
        if (attempt >= 60) throw e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}

/** An active points program and an account of 10,000 points for each fan. */
export async function seedFans(platform: Platform, tenant: string, fans: number): Promise<void> {
  const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Festival points',
    unit: 'points',
    wording: { en: 'points' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
  });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  for (let f = 0; f < fans; f++) {
    const account = await admin<{ accountId: string }>('POST', '/v1/loyalty-accounts', { contactId: `fan-${f}` });
    await admin('POST', `/v1/loyalty-accounts/${account.body.accountId}/adjustments`, { adjustmentId: `seed-${f}`, points: 10_000, reason: 'seed' });
  }
}

/**
 * Each fan holds then confirms (every fifth cancels) a stream of orders paid partly with
 * points, retrying through whatever happens; returns how the calls ended, for the report.
 */
export async function checkoutStream(platform: Platform, tenant: string, fans: number, ordersPerFan: number, prefix = 'o'): Promise<Record<string, number>> {
  const outcomes: Record<string, number> = {};
  const note = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  await Promise.all(
    Array.from({ length: fans }, async (_, f) => {
      const fan = retrying(platform, await platform.token({ tenant, roles: ['fan'], contactId: `fan-${f}` }));
      for (let n = 0; n < ordersPerFan; n++) {
        const orderId = `${prefix}-${f}-${n}`;
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
    }),
  );
  return outcomes;
}

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await probe();
  }
  return value;
}

/**
 * Once recovery, expiry jobs and consumers have caught up: no order left half-done, every
 * confirmed order published once and earned once, every points ledger sum equal to its balance
 * and its lots, no balance negative, no hold left, and exactly the confirmed orders captured.
 */
export async function expectSettledInvariants(platform: Platform, outcomes: Record<string, number>): Promise<void> {
  const open = await until(
    () =>
      platform.sql<{ order_id: string; state: string; steps: unknown }>(
        'gateway',
        `SELECT s.order_id, s.state, (SELECT json_agg(json_build_object('step', t.step, 'state', t.state)) FROM checkout_steps t WHERE t.tenant_id = s.tenant_id AND t.order_id = s.order_id) AS steps
         FROM checkout_sagas s WHERE s.state IN ('holding', 'held', 'confirming', 'cancelling')`,
      ),
    (rows) => rows.length === 0,
    40_000,
  );
  expect({ openSagas: open, outcomes }).toMatchObject({ openSagas: [] });

  const confirmed = await platform.sql<{ order_id: string }>('gateway', `SELECT order_id FROM checkout_sagas WHERE state = 'confirmed' ORDER BY order_id`);
  expect(confirmed.length).toBeGreaterThan(0);
  const [published] = await platform.sql<{ n: number; distinct: number }>(
    'gateway',
    `SELECT count(*)::int AS n, count(DISTINCT envelope->'data'->>'orderId')::int AS distinct FROM outbox WHERE type = 'evt.order.completed'`,
  );
  expect(published).toEqual({ n: confirmed.length, distinct: confirmed.length });

  const earned = await until(
    () => platform.sql<{ order_id: string }>('loyalty', `SELECT order_id FROM order_earnings ORDER BY order_id`),
    (rows) => rows.length >= confirmed.length,
    30_000,
  );
  expect(earned.map((e) => e.order_id)).toEqual(confirmed.map((c) => c.order_id));

  const ledgers = await platform.sql<{ account_id: string; balance: number; sum: number; lots: number }>(
    'loyalty',
    `SELECT a.account_id, a.balance, coalesce((SELECT sum(points) FROM entries e WHERE e.account_id = a.account_id), 0)::int AS sum,
            coalesce((SELECT sum(remaining) FROM lots l WHERE l.account_id = a.account_id), 0)::int AS lots
     FROM accounts a`,
  );
  for (const l of ledgers) {
    expect(l.balance).toBeGreaterThanOrEqual(0);
    expect(l.sum).toBe(l.balance);
    expect(l.lots).toBe(l.balance);
  }
  const [stale] = await until(
    () => platform.sql<{ n: number }>('loyalty', `SELECT count(*)::int AS n FROM holds WHERE state = 'held'`),
    ([r]) => r!.n === 0,
    30_000,
  );
  expect(stale!.n).toBe(0);
  const captured = await platform.sql<{ order_id: string }>('loyalty', `SELECT order_id FROM holds WHERE state = 'captured' ORDER BY order_id`);
  expect(captured.map((c) => c.order_id)).toEqual(confirmed.map((c) => c.order_id));
}
