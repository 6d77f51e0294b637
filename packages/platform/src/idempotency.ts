import { createHash } from 'node:crypto';
import { DomainError } from '@tlp/contracts';
import type { Tx } from './database';

export interface IdempotencyKey {
  tenantId: string;
  /** The command, e.g. "points.hold"; keys are unique per command. */
  scope: string;
  /** The caller's key, e.g. an order id or the HTTP Idempotency-Key. */
  key: string;
}

const hash = (request: unknown): string => createHash('sha256').update(stableJson(request)).digest('hex');

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Runs `command` once per key inside the caller's transaction and stores its result; a repeat
 * returns the stored result and changes nothing. Concurrent repeats wait on the key's row lock,
 * so a unique index, not a check-then-create, decides who runs. The same key with different
 * parameters is refused. A command that fails rolls back with the key, so it can be retried.
 */
export async function onceByKey<R>(tx: Tx, id: IdempotencyKey, request: unknown, command: () => Promise<R>): Promise<R> {
  const requestHash = hash(request);
  const inserted: unknown[] = await tx.query(
    `INSERT INTO idempotent_commands (tenant_id, scope, key, request_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING key`,
    [id.tenantId, id.scope, id.key, requestHash],
  );
  if (inserted.length === 0) {
    const [row] = (await tx.query(
      `SELECT request_hash, response FROM idempotent_commands WHERE tenant_id = $1 AND scope = $2 AND key = $3`,
      [id.tenantId, id.scope, id.key],
    )) as { request_hash: string; response: R }[];
    if (!row) throw new Error('idempotent command row vanished');
    if (row.request_hash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_KEY_REUSED', `Key ${id.key} was already used for ${id.scope} with other parameters`);
    }
    return row.response;
  }
  const result = await command();
  await tx.query(`UPDATE idempotent_commands SET response = $4 WHERE tenant_id = $1 AND scope = $2 AND key = $3`, [
    id.tenantId,
    id.scope,
    id.key,
    JSON.stringify(result ?? null),
  ]);
  return result;
}
