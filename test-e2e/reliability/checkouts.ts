import type { Platform } from '../harness';

/**
 * A stream of checkouts from fans whose clients retry every request, shared by the fault tests
 * (the invariants they check afterwards are in invariants.ts).
 */

/**
 * A client that retries with the same key, as a webshop should: on network errors, on 5xx, and
 * on a 409 or 429 that says when to come back (`Retry-After`: the same request still running, a
 * rate limit).
 */
export function retrying(platform: Platform, token: string) {
  const call = platform.client(token);
  return async <T>(method: string, path: string, body: unknown, key: string): Promise<{ status: number; body: T }> => {
    // Long enough for a killed gateway to come back on a loaded machine.
    const giveUpAt = Date.now() + 90_000;
    for (;;) {
      try {
        const r = await call<T>(method, path, body, key);
        const comeBack = (r.status === 409 || r.status === 429) && r.headers.get('retry-after') !== null;
        if ((r.status < 500 && !comeBack) || Date.now() > giveUpAt) return r;
      } catch (e) {
        if (Date.now() > giveUpAt) throw e;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
}

/**
 * An active points program and an account of 10,000 points for each fan; with `oneTimeReward`,
 * also a 10 % reward each fan may use once, which checkouts apply and hold by themselves (so a
 * fault test also covers reward holds: one order per fan at most, none left held).
 */
export async function seedFans(platform: Platform, tenant: string, fans: number, opts: { oneTimeReward?: boolean } = {}): Promise<void> {
  const admin = platform.client(await platform.token({ tenant, roles: ['admin'] }));
  const program = await admin<{ programId: string }>('POST', '/v1/loyalty-programs', {
    name: 'Festival points',
    unit: 'points',
    wording: { en: 'points' },
    currency: 'EUR',
    earnRules: [{ kind: 'per-amount', points: 1, perAmountMinor: 100 }],
  });
  await admin('POST', `/v1/loyalty-programs/${program.body.programId}/activation`, { active: true });
  if (opts.oneTimeReward) {
    const reward = await admin<{ rewardId: string }>('POST', '/v1/rewards', {
      name: 'Welcome 10 %',
      conditions: [{ criterion: 'tickets-purchased', operator: '>=', value: 0 }],
      reward: { type: 'percentage', basisPoints: 1000 },
      validity: { kind: 'one-time' },
    });
    if (reward.status !== 201) throw new Error(`reward not created: ${reward.status} ${JSON.stringify(reward.body)}`);
    await admin('POST', `/v1/rewards/${reward.body.rewardId}/activation`, { active: true });
  }
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
        const held = await fan<{ state: string; code?: string }>('POST', '/v1/checkout/holds', cart, `hold-${orderId}`);
        if (held.status !== 201) {
          note(`hold ${held.status} ${held.body.code ?? ''}`.trim());
          continue;
        }
        const done = await fan<{ state: string }>('POST', `/v1/checkout/${orderId}/${n % 5 === 4 ? 'cancellation' : 'confirmation'}`, undefined, `end-${orderId}`);
        note(`${done.status} ${done.body.state ?? ''}`);
      }
    }),
  );
  return outcomes;
}
