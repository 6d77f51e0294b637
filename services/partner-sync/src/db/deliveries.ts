import type { DeliveryKind, DeliveryView } from '@tlp/contracts';
import { newId, sql, type Tx } from '@tlp/platform';
import type { Queryable } from './partners';

export interface NewDelivery {
  tenantId: string;
  partnerId: string;
  kind: DeliveryKind;
  /** The fact behind the message (contact, order, refund, hold): one message per fact and kind. */
  sourceKey: string;
  path: string;
  payload: Record<string, unknown>;
}

export interface DeliveryRecord {
  deliveryId: string;
  tenantId: string;
  partnerId: string;
  kind: DeliveryKind;
  sourceKey: string;
  method: 'POST';
  path: string;
  payload: Record<string, unknown>;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

interface Row {
  delivery_id: string;
  tenant_id: string;
  partner_id: string;
  kind: DeliveryKind;
  source_key: string;
  method: 'POST';
  path: string;
  payload: Record<string, unknown>;
  state: DeliveryRecord['state'];
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

const toRecord = (r: Row): DeliveryRecord => ({
  deliveryId: r.delivery_id,
  tenantId: r.tenant_id,
  partnerId: r.partner_id,
  kind: r.kind,
  sourceKey: r.source_key,
  method: r.method,
  path: r.path,
  payload: r.payload,
  state: r.state,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export const deliveryView = (d: DeliveryRecord): DeliveryView => ({
  deliveryId: d.deliveryId,
  partnerId: d.partnerId,
  kind: d.kind,
  sourceKey: d.sourceKey,
  state: d.state,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
  lastError: d.lastError,
  createdAt: d.createdAt.toISOString(),
  deliveredAt: d.deliveredAt?.toISOString() ?? null,
});

/** Queues a message in the caller's transaction; false when this fact already has one (the unique index decides). */
export async function enqueueDelivery(tx: Tx, d: NewDelivery): Promise<boolean> {
  return (await enqueueDeliveries(tx, [d])) === 1;
}

/** Queues many messages in one statement; answers how many were new. */
export async function enqueueDeliveries(tx: Tx, ds: NewDelivery[]): Promise<number> {
  if (ds.length === 0) return 0;
  const rows = await sql(
    tx,
    `INSERT INTO deliveries (delivery_id, tenant_id, partner_id, kind, source_key, method, path, payload, state, next_attempt_at)
     SELECT id, tenant, partner, kind, source, 'POST', path, payload, 'pending', now()
     FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) AS m(id, tenant, partner, kind, source, path, payload)
     ON CONFLICT (tenant_id, partner_id, kind, source_key) DO NOTHING RETURNING delivery_id`,
    [
      ds.map(() => newId()),
      ds.map((d) => d.tenantId),
      ds.map((d) => d.partnerId),
      ds.map((d) => d.kind),
      ds.map((d) => d.sourceKey),
      ds.map((d) => d.path),
      ds.map((d) => JSON.stringify(d.payload)),
    ],
  );
  return rows.length;
}

/** Due messages, oldest first, across tenants (the job serves every tenant), except those of partners being served. */
export async function dueDeliveries(q: Queryable, limit: number, busyPartners: string[] = []): Promise<DeliveryRecord[]> {
  const rows = await sql<Row>(
    q,
    `SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= now() AND partner_id <> ALL($2::uuid[])
     ORDER BY delivery_id LIMIT $1`,
    [limit, busyPartners],
  );
  return rows.map(toRecord);
}

export async function markDelivered(q: Queryable, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await sql(
    q,
    `UPDATE deliveries SET state = 'delivered', delivered_at = now(), attempts = attempts + 1, next_attempt_at = NULL, last_error = NULL
     WHERE delivery_id = ANY($1::uuid[]) AND state = 'pending'`,
    [deliveryIds],
  );
}

export async function markRetry(q: Queryable, deliveryId: string, delayMs: number, error: string): Promise<void> {
  await sql(
    q,
    `UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = now() + $2::interval, last_error = $3
     WHERE delivery_id = $1 AND state = 'pending'`,
    [deliveryId, `${delayMs} milliseconds`, error],
  );
}

export async function markDead(q: Queryable, deliveryId: string, error: string): Promise<void> {
  await sql(
    q,
    `UPDATE deliveries SET state = 'dead', attempts = attempts + 1, next_attempt_at = NULL, last_error = $2
     WHERE delivery_id = $1 AND state = 'pending'`,
    [deliveryId, error],
  );
}

export async function listDeliveries(
  q: Queryable,
  tenantId: string,
  filter: { state: DeliveryRecord['state']; partnerId?: string | undefined; limit: number; after?: string | undefined },
): Promise<DeliveryRecord[]> {
  const rows = await sql<Row>(
    q,
    `SELECT * FROM deliveries WHERE tenant_id = $1 AND state = $2 AND ($3::uuid IS NULL OR partner_id = $3)
       AND ($4::uuid IS NULL OR delivery_id > $4) ORDER BY delivery_id LIMIT $5`,
    [tenantId, filter.state, filter.partnerId ?? null, filter.after ?? null, filter.limit],
  );
  return rows.map(toRecord);
}

/** Puts a dead message back in the queue with a fresh attempt budget; its id, and so the partner's dedupe, stays. */
export async function requeueDead(q: Queryable, tenantId: string, deliveryId: string): Promise<{ record?: DeliveryRecord; exists: boolean }> {
  const rows = await sql<Row>(
    q,
    `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = now()
     WHERE tenant_id = $1 AND delivery_id = $2 AND state = 'dead' RETURNING *`,
    [tenantId, deliveryId],
  );
  if (rows[0]) return { record: toRecord(rows[0]), exists: true };
  const found = await sql(q, `SELECT 1 FROM deliveries WHERE tenant_id = $1 AND delivery_id = $2`, [tenantId, deliveryId]);
  return { exists: found.length > 0 };
}
