import type { Platform } from '../harness';

/**
 * The invariants every fault test (and the load test) checks once the platform has settled,
 * as a list of violations (empty when all is well), so that a failure says what broke:
 * - no order left half-done, every confirmed order published once, and earned exactly once
 *   wherever its tenant runs a points program;
 * - every ledger sum equals its balance (points: entries and lots; vouchers and credit notes:
 *   ledger), no balance negative;
 * - no code used twice (a single-use code captured for one order at most, a promo code not
 *   used beyond its uses, a one-time reward in one order at most), captures exactly for the
 *   confirmed orders;
 * - no hold, in any service, left past its expiry;
 * - every partner message delivered, and booked by the partner exactly once.
 */

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    value = await probe();
  }
  return value;
}

async function orders(platform: Platform): Promise<string[]> {
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

  const confirmed = await platform.sql<{ tenant_id: string; order_id: string }>('gateway', `SELECT tenant_id, order_id FROM checkout_sagas WHERE state = 'confirmed' ORDER BY tenant_id, order_id`);
  const [published] = await platform.sql<{ n: number; distinct: number }>(
    'gateway',
    `SELECT count(*)::int AS n, count(DISTINCT (envelope->>'tenantId', envelope->'data'->>'orderId'))::int AS distinct FROM outbox WHERE type = 'evt.order.completed'`,
  );
  if (published!.n !== confirmed.length || published!.distinct !== confirmed.length) {
    violations.push(`${confirmed.length} confirmed orders but ${published!.n} evt.order.completed for ${published!.distinct} orders`);
  }

  // A tenant without a points program earns nothing; one with a program earns every order once.
  const programs = new Set((await platform.sql<{ tenant_id: string }>('loyalty', `SELECT DISTINCT tenant_id FROM programs WHERE active`)).map((r) => r.tenant_id));
  const toEarn = confirmed.filter((o) => programs.has(o.tenant_id)).map((o) => `${o.tenant_id}/${o.order_id}`);
  const earned = (
    await until(
      () => platform.sql<{ id: string }>('loyalty', `SELECT tenant_id || '/' || order_id AS id FROM order_earnings ORDER BY tenant_id, order_id`),
      (rows) => rows.length >= toEarn.length,
      30_000,
    )
  ).map((r) => r.id);
  if (JSON.stringify(earned) !== JSON.stringify(toEarn)) violations.push(`orders earned ${JSON.stringify(earned)} are not the confirmed ${JSON.stringify(toEarn)}`);
  const earnedTwice = await platform.sql<{ order_id: string; n: number }>(
    'loyalty',
    `SELECT order_id, count(*)::int AS n FROM entries WHERE kind = 'earn' GROUP BY tenant_id, order_id HAVING count(*) > 1`,
  );
  if (earnedTwice.length) violations.push(`orders credited more than once: ${JSON.stringify(earnedTwice)}`);

  const captured = (await platform.sql<{ order_id: string }>('loyalty', `SELECT DISTINCT order_id FROM holds WHERE state = 'captured' ORDER BY order_id`)).map((r) => r.order_id);
  const confirmedWithPoints = (
    await platform.sql<{ order_id: string }>(
      'gateway',
      `SELECT DISTINCT s.order_id FROM checkout_sagas s JOIN checkout_steps t USING (tenant_id, order_id)
       WHERE s.state = 'confirmed' AND t.step = 'points' AND t.state = 'captured' ORDER BY s.order_id`,
    )
  ).map((r) => r.order_id);
  if (JSON.stringify(captured) !== JSON.stringify(confirmedWithPoints)) {
    violations.push(`points captured for ${JSON.stringify(captured)}, confirmed with points ${JSON.stringify(confirmedWithPoints)}`);
  }
  return violations;
}

async function ledgers(platform: Platform): Promise<string[]> {
  const violations: string[] = [];
  const points = await platform.sql<{ account_id: string; balance: number; sum: number; lots: number }>(
    'loyalty',
    `SELECT a.account_id, a.balance, coalesce((SELECT sum(points) FROM entries e WHERE e.account_id = a.account_id), 0)::int AS sum,
            coalesce((SELECT sum(remaining) FROM lots l WHERE l.account_id = a.account_id), 0)::int AS lots
     FROM accounts a`,
  );
  for (const l of points) {
    if (l.balance < 0 || l.sum !== l.balance || l.lots !== l.balance) violations.push(`points account ${l.account_id}: balance ${l.balance}, ledger sum ${l.sum}, lots ${l.lots}`);
  }
  const money = await platform.sql<{ id: string; kind: string; balance: string; sum: string }>(
    'voucher',
    `SELECT a.id, a.kind, a.balance_minor AS balance, coalesce((SELECT sum(delta_minor) FROM ledger l WHERE l.tenant_id = a.tenant_id AND l.account_id = a.id), 0) AS sum
     FROM accounts a`,
  );
  for (const m of money) {
    if (Number(m.balance) < 0 || Number(m.sum) !== Number(m.balance)) violations.push(`${m.kind} ${m.id}: balance ${m.balance}, ledger sum ${m.sum}`);
  }
  return violations;
}

async function codes(platform: Platform): Promise<string[]> {
  const violations: string[] = [];
  const usedTwice = await platform.sql<{ code: string; orders: string[] }>(
    'promotion',
    `SELECT ref AS code, array_agg(order_id ORDER BY order_id) AS orders FROM holds
     WHERE kind = 'single-use-code' AND state IN ('held', 'captured') GROUP BY tenant_id, ref HAVING count(*) > 1`,
  );
  for (const u of usedTwice) violations.push(`single-use code ${u.code} taken by ${u.orders.join(', ')}`);
  const misrecorded = await platform.sql<{ code: string; state: string; captures: number }>(
    'promotion',
    `SELECT c.code, c.state, (SELECT count(*)::int FROM holds h WHERE h.tenant_id = c.tenant_id AND h.kind = 'single-use-code' AND h.ref = c.code AND h.state = 'captured') AS captures
     FROM single_use_codes c WHERE c.state = 'used' OR EXISTS (SELECT 1 FROM holds h WHERE h.tenant_id = c.tenant_id AND h.kind = 'single-use-code' AND h.ref = c.code AND h.state = 'captured')`,
  );
  for (const m of misrecorded) if (m.state !== 'used' || m.captures !== 1) violations.push(`single-use code ${m.code} is ${m.state} with ${m.captures} captures`);
  const overused = await platform.sql<{ access_code: string; uses_taken: number; max_uses: number }>(
    'promotion',
    `SELECT access_code, uses_taken, max_uses FROM promo_codes WHERE max_uses IS NOT NULL AND uses_taken > max_uses`,
  );
  for (const o of overused) violations.push(`promo code ${o.access_code} used ${o.uses_taken} times for ${o.max_uses} uses`);
  const rewardsTwice = await platform.sql<{ reward_id: string; contact_id: string; orders: string[] }>(
    'loyalty',
    `SELECT reward_id, contact_id, array_agg(order_id ORDER BY order_id) AS orders FROM reward_holds
     WHERE one_time AND state IN ('held', 'captured') GROUP BY tenant_id, reward_id, contact_id HAVING count(*) > 1`,
  );
  for (const r of rewardsTwice) violations.push(`one-time reward ${r.reward_id} of ${r.contact_id} taken by ${r.orders.join(', ')}`);
  return violations;
}

/**
 * No hold in any service is still held past its expiry (the expiry jobs run every few seconds),
 * nor for an order the checkout has ended (confirmed, cancelled, failed or expired: its holds
 * were captured or released, whatever was cut in between).
 */
async function holds(platform: Platform): Promise<string[]> {
  const held: [service: string, table: string, state: string][] = [
    ['loyalty', 'holds', 'state'],
    ['loyalty', 'reward_holds', 'state'],
    ['promotion', 'holds', 'state'],
    ['voucher', 'holds', 'status'],
    ['partner-sync', 'spend_holds', 'state'],
  ];
  const sagas = `"${platform.schemaOf('gateway')}".checkout_sagas`;
  const violations: string[] = [];
  for (const [service, table, state] of held) {
    const left = await until(
      () =>
        platform.sql<{ order_id: string; saga: string | null; past: boolean }>(
          service,
          `SELECT h.order_id, s.state AS saga, h.expires_at < now() AS past FROM ${table} h
           LEFT JOIN ${sagas} s ON s.tenant_id = h.tenant_id AND s.order_id = h.order_id
           WHERE h.${state} = 'held' AND (h.expires_at < now() OR s.state IN ('confirmed', 'cancelled', 'failed', 'expired'))`,
        ),
      (rows) => rows.length === 0,
      30_000,
    );
    for (const h of left) violations.push(`${service} hold of order ${h.order_id} left held${h.past ? ' past its expiry' : ''} (checkout ${h.saga ?? 'unknown'})`);
  }
  return violations;
}

interface Books {
  members: { externalRef: string }[];
  entries: { kind: string; orderId: string; refundId?: string; messageId: string }[];
}

/** Every message queued for a partner is delivered, and the partner's own books hold it once. */
async function partnerMessages(platform: Platform): Promise<string[]> {
  const violations: string[] = [];
  const left = await until(
    () => platform.sql<{ state: string; n: number }>('partner-sync', `SELECT state, count(*)::int AS n FROM deliveries WHERE state <> 'delivered' GROUP BY state`),
    (rows) => rows.length === 0,
    40_000,
  );
  if (left.length) violations.push(`partner messages not delivered: ${JSON.stringify(left)}`);
  const partners = await platform.sql<{ partner_id: string; api_key: string; api_base_url: string }>('partner-sync', `SELECT partner_id, api_key, api_base_url FROM partners`);
  for (const p of partners.filter((p) => p.api_base_url.replace(/\/$/, '') === platform.simulatorUrl)) {
    const res = await fetch(`${platform.simulatorUrl}/_control/accounts/${encodeURIComponent(p.api_key)}/books`);
    if (res.status === 404) continue;
    const books = (await res.json()) as Books;
    const seen = new Map<string, number>();
    for (const e of books.entries) {
      for (const key of [`message ${e.messageId}`, `${e.kind} of order ${e.orderId}${e.refundId ? ` refund ${e.refundId}` : ''}`]) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, n] of seen) if (n > 1) violations.push(`partner ${p.partner_id} booked ${key} ${n} times`);
    const booked = new Set(books.entries.map((e) => e.messageId));
    const unbooked = await platform.sql<{ delivery_id: string; kind: string }>(
      'partner-sync',
      `SELECT delivery_id, kind FROM deliveries WHERE partner_id = $1 AND state = 'delivered' AND kind IN ('earn', 'earn.reversal', 'spend.refund')`,
      [p.partner_id],
    );
    for (const d of unbooked.filter((d) => !booked.has(d.delivery_id))) violations.push(`partner ${p.partner_id} has no entry for delivered ${d.kind} ${d.delivery_id}`);
  }
  return violations;
}

/** What is wrong once recovery, expiry jobs, consumers and deliveries have caught up. */
export async function settledViolations(platform: Platform): Promise<string[]> {
  const violations: string[] = [];
  for (const check of [orders, holds, ledgers, codes, partnerMessages]) violations.push(...(await check(platform)));
  return violations;
}

/** For the fault tests: no violation once settled (`context`, e.g. how the calls ended, is shown when one fails). */
export async function expectSettledInvariants(platform: Platform, context: unknown = {}): Promise<void> {
  expect({ violations: await settledViolations(platform), context }).toMatchObject({ violations: [] });
}
