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
 * What is wrong once recovery, expiry jobs and consumers have caught up (empty when all is
 * well): an order left half-done, a confirmed order published or earned other than once, a
 * points ledger whose sum differs from its balance or its lots, a negative balance, a hold left,
 * or captures that are not exactly the confirmed orders.
 */
export async function settledViolations(platform: Platform): Promise<string[]> {
  const violations: string[] = [];
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
  if (open.length) violations.push(`orders left half-done: ${JSON.stringify(open)}`);

  const confirmed = (await platform.sql<{ order_id: string }>('gateway', `SELECT order_id FROM checkout_sagas WHERE state = 'confirmed' ORDER BY order_id`)).map((r) => r.order_id);
  const [published] = await platform.sql<{ n: number; distinct: number }>(
    'gateway',
    `SELECT count(*)::int AS n, count(DISTINCT envelope->'data'->>'orderId')::int AS distinct FROM outbox WHERE type = 'evt.order.completed'`,
  );
  if (published!.n !== confirmed.length || published!.distinct !== confirmed.length) {
    violations.push(`${confirmed.length} confirmed orders but ${published!.n} evt.order.completed for ${published!.distinct} orders`);
  }
  const earned = (
    await until(
      () => platform.sql<{ order_id: string }>('loyalty', `SELECT order_id FROM order_earnings ORDER BY order_id`),
      (rows) => rows.length >= confirmed.length,
      30_000,
    )
  ).map((r) => r.order_id);
  if (JSON.stringify(earned) !== JSON.stringify(confirmed)) violations.push(`orders earned ${JSON.stringify(earned)} are not the confirmed ${JSON.stringify(confirmed)}`);

  const ledgers = await platform.sql<{ account_id: string; balance: number; sum: number; lots: number }>(
    'loyalty',
    `SELECT a.account_id, a.balance, coalesce((SELECT sum(points) FROM entries e WHERE e.account_id = a.account_id), 0)::int AS sum,
            coalesce((SELECT sum(remaining) FROM lots l WHERE l.account_id = a.account_id), 0)::int AS lots
     FROM accounts a`,
  );
  for (const l of ledgers) {
    if (l.balance < 0 || l.sum !== l.balance || l.lots !== l.balance) violations.push(`points account ${l.account_id}: balance ${l.balance}, ledger sum ${l.sum}, lots ${l.lots}`);
  }
  const [stale] = await until(
    () => platform.sql<{ n: number }>('loyalty', `SELECT count(*)::int AS n FROM holds WHERE state = 'held'`),
    ([r]) => r!.n === 0,
    30_000,
  );
  if (stale!.n) violations.push(`${stale!.n} points holds left held`);
  const captured = (await platform.sql<{ order_id: string }>('loyalty', `SELECT DISTINCT order_id FROM holds WHERE state = 'captured' ORDER BY order_id`)).map((r) => r.order_id);
  const confirmedWithPoints = new Set(
    (await platform.sql<{ order_id: string }>('gateway', `SELECT order_id FROM checkout_steps WHERE step = 'points' AND state = 'captured'`)).map((r) => r.order_id),
  );
  if (JSON.stringify(captured) !== JSON.stringify(confirmed.filter((o) => confirmedWithPoints.has(o)))) {
    violations.push(`points captured for ${JSON.stringify(captured)}, confirmed with points ${JSON.stringify([...confirmedWithPoints].sort())}`);
  }
  return violations;
}

/** For the fault tests: no violation once settled (the outcomes are shown when one fails). */
export async function expectSettledInvariants(platform: Platform, outcomes: Record<string, number>): Promise<void> {
  expect({ violations: await settledViolations(platform), outcomes }).toMatchObject({ violations: [] });
  expect((await platform.sql<{ n: number }>('gateway', `SELECT count(*)::int AS n FROM checkout_sagas WHERE state = 'confirmed'`))[0]!.n).toBeGreaterThan(0);
}
