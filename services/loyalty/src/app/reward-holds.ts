import { DomainError } from '@tlp/contracts';
import { closeOrder, oneAtATimePerOrder, orderClosed, sql, type Tx } from '@tlp/platform';
import { getReward, usableRewards } from './rewards';

interface RewardHoldRow {
  order_id: string;
  reward_id: string;
  state: 'held' | 'captured' | 'released';
  expires_at: Date;
}

const view = (orderId: string, rows: RewardHoldRow[]) => ({
  orderId,
  rewardIds: rows.map((r) => r.reward_id),
  state: rows[0]!.state,
  expiresAt: new Date(rows[0]!.expires_at).toISOString(),
});

const holdsOf = (tx: Tx, tenantId: string, orderId: string, lock = false) =>
  sql<RewardHoldRow>(tx, `SELECT order_id, reward_id, state, expires_at FROM reward_holds WHERE tenant_id = $1 AND order_id = $2 ORDER BY reward_id${lock ? ' FOR UPDATE' : ''}`, [
    tenantId,
    orderId,
  ]);

/**
 * Holds the rewards a checkout applied, keyed by order id (a repeat returns the first hold). Each
 * must still be usable by the contact; a one-time reward is held by one order at a time, which
 * the partial unique index decides when two checkouts hold it at once.
 */
export async function holdRewards(tx: Tx, tenantId: string, input: { orderId: string; contactId: string; rewardIds: string[]; ttlSeconds: number }, now: Date) {
  await oneAtATimePerOrder(tx, 'rewards-hold', tenantId, input.orderId);
  const existing = await holdsOf(tx, tenantId, input.orderId);
  if (existing.length) return view(input.orderId, existing);
  if (await orderClosed(tx, 'rewards-hold', tenantId, input.orderId)) {
    throw new DomainError('REWARD_HOLD_CLOSED', `Order ${input.orderId} was released`, { orderId: input.orderId });
  }
  const usable = new Set((await usableRewards(tx, tenantId, input.contactId, now)).map((r) => r.rewardId));
  const rewardIds = [...new Set(input.rewardIds)].sort();
  const oneTime: boolean[] = [];
  for (const rewardId of rewardIds) {
    const reward = await getReward(tx, tenantId, rewardId);
    const once = reward.validity.kind === 'one-time';
    if (!usable.has(rewardId)) {
      throw new DomainError(once ? 'REWARD_ALREADY_USED' : 'REWARD_NOT_ELIGIBLE', `Reward ${reward.name} cannot be used by this contact now`, { rewardId });
    }
    oneTime.push(once);
  }
  const expiresAt = new Date(now.getTime() + input.ttlSeconds * 1000);
  const held = await sql<RewardHoldRow>(
    tx,
    `INSERT INTO reward_holds (tenant_id, order_id, reward_id, contact_id, one_time, state, expires_at)
     SELECT $1, $2, r.reward_id, $3, r.one_time, 'held', $6 FROM unnest($4::uuid[], $5::boolean[]) AS r(reward_id, one_time)
     ON CONFLICT DO NOTHING RETURNING order_id, reward_id, state, expires_at`,
    [tenantId, input.orderId, input.contactId, rewardIds, oneTime, expiresAt],
  );
  if (held.length < rewardIds.length) {
    const taken = rewardIds.filter((id) => !held.some((h) => h.reward_id === id));
    throw new DomainError('REWARD_ALREADY_USED', 'A one-time reward is already held by another order', { rewardIds: taken });
  }
  return view(input.orderId, held.sort((a, b) => a.reward_id.localeCompare(b.reward_id)));
}

export async function captureRewards(tx: Tx, tenantId: string, orderId: string, now: Date) {
  const rows = await holdsOf(tx, tenantId, orderId, true);
  if (rows.length === 0) throw new DomainError('REWARD_HOLD_NOT_FOUND', `No reward hold for order ${orderId}`);
  if (rows.every((r) => r.state === 'captured')) return view(orderId, rows);
  if (rows.some((r) => r.state === 'released') || rows.some((r) => new Date(r.expires_at) <= now)) {
    throw new DomainError('REWARD_HOLD_EXPIRED', `The rewards held for order ${orderId} were released`);
  }
  const captured = await sql<RewardHoldRow>(tx, `UPDATE reward_holds SET state = 'captured' WHERE tenant_id = $1 AND order_id = $2 RETURNING order_id, reward_id, state, expires_at`, [
    tenantId,
    orderId,
  ]);
  return view(orderId, captured.sort((a, b) => a.reward_id.localeCompare(b.reward_id)));
}

/**
 * Gives the rewards of an unconfirmed order back (a one-time reward becomes usable again);
 * captured ones stay used. Closes the order to later holds, even when it held nothing (null).
 */
export async function releaseRewards(tx: Tx, tenantId: string, orderId: string) {
  await oneAtATimePerOrder(tx, 'rewards-hold', tenantId, orderId);
  await closeOrder(tx, 'rewards-hold', tenantId, orderId);
  const rows = await holdsOf(tx, tenantId, orderId, true);
  if (rows.length === 0) return null;
  await tx.query(`UPDATE reward_holds SET state = 'released' WHERE tenant_id = $1 AND order_id = $2 AND state = 'held'`, [tenantId, orderId]);
  return view(orderId, await holdsOf(tx, tenantId, orderId));
}

/** The expiry job: rewards held by orders nobody confirmed become usable again. */
export async function releaseExpiredRewardHolds(tx: Tx, now: Date): Promise<number> {
  const released = await sql(tx, `UPDATE reward_holds SET state = 'released' WHERE state = 'held' AND expires_at <= $1 RETURNING order_id`, [now]);
  return released.length;
}
