import { DomainError, LoyaltyRewardGranted, type Condition, type Criterion, type Reward, type RewardInput } from '@tlp/contracts';
import { enqueueEvent, newId, sql, type Tx } from '@tlp/platform';
import type { z } from 'zod';
import { meetsConditions, type Activity } from '../domain/criteria';
import { loyaltyCatalogChanged } from './catalog';

type RewardSettings = z.output<typeof RewardInput>;
export interface RewardRow {
  reward_id: string;
  settings: RewardSettings;
  active: boolean;
  created_at: Date;
}
export const toReward = (r: RewardRow): Reward => ({ ...r.settings, rewardId: r.reward_id, active: r.active, createdAt: new Date(r.created_at).toISOString() });

export async function createReward(tx: Tx, tenantId: string, settings: RewardSettings): Promise<Reward> {
  loyaltyCatalogChanged(tenantId);
  const [row] = await sql<RewardRow>(tx, `INSERT INTO rewards (reward_id, tenant_id, settings) VALUES ($1, $2, $3) RETURNING *`, [newId(), tenantId, JSON.stringify(settings)]);
  return toReward(row!);
}

export async function getReward(tx: Tx, tenantId: string, rewardId: string): Promise<Reward> {
  const [row] = await sql<RewardRow>(tx, `SELECT * FROM rewards WHERE tenant_id = $1 AND reward_id = $2`, [tenantId, rewardId]);
  if (!row) throw new DomainError('REWARD_NOT_FOUND', `No reward ${rewardId}`);
  return toReward(row);
}

export async function updateReward(tx: Tx, tenantId: string, rewardId: string, changes: Partial<RewardSettings>): Promise<Reward> {
  loyaltyCatalogChanged(tenantId);
  const { rewardId: _r, active: _a, createdAt: _c, ...settings } = await getReward(tx, tenantId, rewardId);
  const [row] = await sql<RewardRow>(tx, `UPDATE rewards SET settings = $3 WHERE tenant_id = $1 AND reward_id = $2 RETURNING *`, [
    tenantId,
    rewardId,
    JSON.stringify({ ...settings, ...changes }),
  ]);
  return toReward(row!);
}

export async function setRewardActive(tx: Tx, tenantId: string, rewardId: string, active: boolean): Promise<Reward> {
  loyaltyCatalogChanged(tenantId);
  const [row] = await sql<RewardRow>(tx, `UPDATE rewards SET active = $3 WHERE tenant_id = $1 AND reward_id = $2 RETURNING *`, [tenantId, rewardId, active]);
  if (!row) throw new DomainError('REWARD_NOT_FOUND', `No reward ${rewardId}`);
  return toReward(row);
}

export async function listRewards(tx: Tx, tenantId: string, filter: { active?: boolean; campaign?: string; type?: string }): Promise<Reward[]> {
  const rows = await sql<RewardRow>(
    tx,
    `SELECT * FROM rewards WHERE tenant_id = $1 AND ($2::boolean IS NULL OR active = $2)
       AND ($3::text IS NULL OR settings->>'campaign' = $3) AND ($4::text IS NULL OR settings->'reward'->>'type' = $4)
     ORDER BY created_at`,
    [tenantId, filter.active ?? null, filter.campaign ?? null, filter.type ?? null],
  );
  return rows.map(toReward);
}

export type ActivityRow = { total_spending_minor: string | null; tickets: number | null; events_attended: number | null; first_seen_at: Date | null };

/** A contact with no activity yet has bought nothing, attended nothing, and is a member from now. */
export const toActivity = (row: ActivityRow | undefined, now: Date): Activity => ({
  totalSpendingMinor: Number(row?.total_spending_minor ?? 0),
  ticketsPurchased: row?.tickets ?? 0,
  eventsAttended: row?.events_attended ?? 0,
  memberSince: row?.first_seen_at ? new Date(row.first_seen_at) : now,
});

/** A contact's activity columns; membership starts at the first activity or the first account, whichever came first. */
export const ACTIVITY_COLUMNS = `a.total_spending_minor, a.tickets, a.events_attended,
  least(a.first_seen_at, (SELECT min(acc.created_at) FROM accounts acc WHERE acc.tenant_id = a.tenant_id AND acc.contact_id = a.contact_id)) AS first_seen_at`;

export async function activityOf(tx: Tx, tenantId: string, contactId: string): Promise<Activity> {
  const [row] = await sql<ActivityRow>(tx, `SELECT ${ACTIVITY_COLUMNS} FROM activity a WHERE a.tenant_id = $1 AND a.contact_id = $2`, [tenantId, contactId]);
  return toActivity(row, new Date());
}

const expired = (reward: Reward, now: Date) => reward.validity.kind === 'until' && new Date(reward.validity.until) <= now;

/** What a contact has had to do with rewards: granted by hand (or revoked), and one-time rewards used or held. */
export interface RewardHistory {
  grants: Map<string, string>;
  used: Set<string>;
}

/**
 * The rewards a contact can use now, among the tenant's active ones: in date, criteria met
 * (continuous and until-date rewards follow the criteria; one-time rewards once, unless granted
 * by hand), not revoked.
 */
export function usableOf(active: Reward[], activity: Activity, history: RewardHistory, now: Date): Reward[] {
  return active.filter((r) => {
    if (expired(r, now)) return false;
    const grant = history.grants.get(r.rewardId);
    if (grant === 'revoked') return false;
    if (r.validity.kind === 'one-time' && (history.used.has(r.rewardId) || grant === 'used')) return false;
    return grant === 'active' || meetsConditions(activity, r.conditions, now);
  });
}

/** Used, or held by a checkout in progress: a one-time reward goes to one order only (SQL placeholders). */
export const usedRewardsSql = (tenantId: string, contactId: string) =>
  `SELECT reward_id::text FROM reward_uses WHERE tenant_id = ${tenantId} AND contact_id = ${contactId}
   UNION SELECT reward_id::text FROM reward_holds WHERE tenant_id = ${tenantId} AND contact_id = ${contactId} AND one_time AND state <> 'released'`;

export async function usableRewards(tx: Tx, tenantId: string, contactId: string, now: Date): Promise<Reward[]> {
  const activity = await activityOf(tx, tenantId, contactId);
  const grants = new Map(
    (await sql<{ reward_id: string; state: string }>(tx, `SELECT reward_id, state FROM reward_grants WHERE tenant_id = $1 AND contact_id = $2`, [tenantId, contactId])).map((g) => [g.reward_id, g.state]),
  );
  const used = new Set((await sql<{ reward_id: string }>(tx, usedRewardsSql('$1', '$2'), [tenantId, contactId])).map((u) => u.reward_id));
  return usableOf(await listRewards(tx, tenantId, { active: true }), activity, { grants, used }, now);
}


/**
 * Contacts a reward is for, in contact order: those whose activity meets its conditions, and
 * those granted it by hand (even with no activity yet). Read a page of contacts at a time with
 * their activity, so a large audience costs a few queries, not one per contact.
 */
export async function eligibleContacts(
  tx: Tx,
  tenantId: string,
  rewardId: string,
  limit: number,
  now: Date,
  pageSize = 2000,
): Promise<{ contactId: string; granted: boolean }[]> {
  const reward = await getReward(tx, tenantId, rewardId);
  const out: { contactId: string; granted: boolean }[] = [];
  for (let after = ''; ; ) {
    const rows = await sql<ActivityRow & { contact_id: string; granted: boolean }>(
      tx,
      `WITH c AS (
         SELECT contact_id FROM activity WHERE tenant_id = $1 AND contact_id > $3
         UNION
         SELECT contact_id FROM reward_grants WHERE tenant_id = $1 AND reward_id = $2 AND state = 'active' AND contact_id > $3
         ORDER BY contact_id LIMIT $4
       )
       SELECT c.contact_id, ${ACTIVITY_COLUMNS},
              EXISTS (SELECT 1 FROM reward_grants g WHERE g.tenant_id = $1 AND g.reward_id = $2 AND g.contact_id = c.contact_id AND g.state = 'active') AS granted
       FROM c LEFT JOIN activity a ON a.tenant_id = $1 AND a.contact_id = c.contact_id
       ORDER BY c.contact_id`,
      [tenantId, rewardId, after, pageSize],
    );
    for (const r of rows) {
      if (r.granted || meetsConditions(toActivity(r, now), reward.conditions, now)) out.push({ contactId: r.contact_id, granted: r.granted });
      if (out.length >= limit) return out;
    }
    if (rows.length < pageSize) return out;
    after = rows[rows.length - 1]!.contact_id;
  }
}

/** An operator gives a reward to a contact: refused when the criteria are not met, unless forced. */
export async function grantReward(tx: Tx, tenantId: string, rewardId: string, contactId: string, force: boolean, now: Date) {
  const reward = await getReward(tx, tenantId, rewardId);
  if (!force && !meetsConditions(await activityOf(tx, tenantId, contactId), reward.conditions, now)) {
    throw new DomainError('REWARD_NOT_ELIGIBLE', `Contact ${contactId} does not meet the criteria of ${reward.name}`);
  }
  const [row] = await sql<{ state: 'active' | 'used' | 'revoked' }>(
    tx,
    `INSERT INTO reward_grants (tenant_id, reward_id, contact_id, state, manual) VALUES ($1, $2, $3, 'active', true)
     ON CONFLICT (tenant_id, reward_id, contact_id) DO UPDATE SET state = CASE WHEN reward_grants.state = 'used' THEN 'used' ELSE 'active' END
     RETURNING state`,
    [tenantId, rewardId, contactId],
  );
  await enqueueEvent(tx, { contract: LoyaltyRewardGranted, tenantId, data: { rewardId, contactId, manual: true } });
  return { rewardId, contactId, state: row!.state };
}

export async function revokeReward(tx: Tx, tenantId: string, rewardId: string, contactId: string) {
  await getReward(tx, tenantId, rewardId);
  await tx.query(
    `INSERT INTO reward_grants (tenant_id, reward_id, contact_id, state, manual) VALUES ($1, $2, $3, 'revoked', true)
     ON CONFLICT (tenant_id, reward_id, contact_id) DO UPDATE SET state = 'revoked'`,
    [tenantId, rewardId, contactId],
  );
  return { rewardId, contactId, state: 'revoked' as const };
}

/**
 * A condition as SQL over `activity a` (and `acc`, each contact's first account), computing
 * what `criterionValue` computes in the domain: a test compares both over random contacts.
 * Membership counts whole days to `now`, to the millisecond like the list's JavaScript dates.
 */
const criterionSql: Record<Criterion, (now: () => string) => string> = {
  'total-spending': () => 'a.total_spending_minor',
  'tickets-purchased': () => 'a.tickets',
  'events-attended': () => 'a.events_attended',
  'membership-days': (now) =>
    `greatest(0, floor(extract(epoch FROM ${now()}::timestamptz - date_trunc('milliseconds', least(a.first_seen_at, acc.first_account_at))) * 1000 / 86400000))`,
};

function conditionsSql(conditions: Condition[], now: () => string, param: (value: number) => string): string {
  // The operator comes from the contract's enum; the value is a parameter.
  return conditions.map((c) => `${criterionSql[c.criterion](now)} ${c.operator} ${param(c.value)}::numeric`).join(' AND ') || 'true';
}

/**
 * How many contacts a reward is for (the same contacts `eligibleContacts` lists), counted in
 * the database: an audience of millions is counted exactly in one query, not read contact by contact.
 */
export async function countEligible(tx: Tx, tenantId: string, reward: Reward, now: Date): Promise<number> {
  const params: unknown[] = [tenantId, reward.rewardId];
  const param = (v: unknown) => `$${params.push(v)}`;
  let nowParam: string | undefined;
  const where = conditionsSql(reward.conditions, () => (nowParam ??= param(now)), param);
  const firstAccounts = reward.conditions.some((c) => c.criterion === 'membership-days')
    ? `LEFT JOIN (SELECT contact_id, min(created_at) AS first_account_at FROM accounts WHERE tenant_id = $1 GROUP BY contact_id) acc ON acc.contact_id = a.contact_id`
    : '';
  const [row] = await sql<{ eligible: number }>(
    tx,
    `SELECT count(*)::int AS eligible FROM (
       SELECT a.contact_id FROM activity a ${firstAccounts} WHERE a.tenant_id = $1 AND ${where}
       UNION
       SELECT contact_id FROM reward_grants WHERE tenant_id = $1 AND reward_id = $2 AND state = 'active'
     ) e`,
    params,
  );
  return row!.eligible;
}

export async function rewardAnalytics(tx: Tx, tenantId: string, rewardId: string, now: Date) {
  const reward = await getReward(tx, tenantId, rewardId);
  const eligible = await countEligible(tx, tenantId, reward, now);
  const [g] = await sql<{ granted: number }>(tx, `SELECT count(*)::int AS granted FROM reward_grants WHERE tenant_id = $1 AND reward_id = $2 AND state <> 'revoked'`, [tenantId, rewardId]);
  const usage = await sql<{ day: string; uses: number; discount: number }>(
    tx,
    `SELECT to_char(used_at, 'YYYY-MM-DD') AS day, count(*)::int AS uses, sum(discount_minor)::int AS discount
     FROM reward_uses WHERE tenant_id = $1 AND reward_id = $2 GROUP BY 1 ORDER BY 1`,
    [tenantId, rewardId],
  );
  const used = usage.reduce((s, u) => s + u.uses, 0);
  const reach = Math.max(eligible, g?.granted ?? 0);
  return {
    rewardId,
    eligible,
    granted: g?.granted ?? 0,
    used,
    redemptionRate: reach === 0 ? 0 : Math.min(1, used / reach),
    discountGivenMinor: usage.reduce((s, u) => s + u.discount, 0),
    usageByDay: usage.map((u) => ({ day: u.day, uses: u.uses, discountMinor: u.discount })),
  };
}

/** A fan's rewards: those usable now, those used, and those whose date has passed. */
export async function myRewards(tx: Tx, tenantId: string, contactId: string, now: Date) {
  const usable = new Set((await usableRewards(tx, tenantId, contactId, now)).map((r) => r.rewardId));
  const uses = new Map(
    (await sql<{ reward_id: string; used_at: Date }>(tx, `SELECT reward_id, max(used_at) AS used_at FROM reward_uses WHERE tenant_id = $1 AND contact_id = $2 GROUP BY 1`, [tenantId, contactId])).map((u) => [
      u.reward_id,
      new Date(u.used_at).toISOString(),
    ]),
  );
  const out = [];
  for (const r of await listRewards(tx, tenantId, {})) {
    const state: 'active' | 'used' | 'expired' | undefined = usable.has(r.rewardId) ? 'active' : uses.has(r.rewardId) ? 'used' : expired(r, now) ? 'expired' : undefined;
    if (!state) continue;
    out.push({ rewardId: r.rewardId, name: r.name, reward: r.reward, state, usedAt: uses.get(r.rewardId) ?? null, validUntil: r.validity.kind === 'until' ? r.validity.until : null });
  }
  return out;
}
