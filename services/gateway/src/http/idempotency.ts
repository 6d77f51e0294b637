import { createHash } from 'node:crypto';
import { DomainError } from '@tlp/contracts';
import type { DataSource } from 'typeorm';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/** What a request came to, as opposed to a server failure or an answer that says to come back later. */
const isOutcome = (r: StoredResponse): boolean =>
  r.status < 500 && (r.body as { details?: { retryAfterSeconds?: unknown } } | null | undefined)?.details?.retryAfterSeconds === undefined;

/**
 * HTTP Idempotency-Key, in the manner of Stripe: the first response (success or the caller's
 * error) is stored for 24 h and replayed for a repeat; a repeat with other parameters is refused;
 * a repeat while the first is still running gets 409, until the first is so old that its gateway
 * must have died. Server-side failures (5xx) are not stored, so a retry after an outage runs again,
 * and neither is an answer that says to come back later (a Retry-After: the order is still being
 * held, a PIN locked for a while): replaying it would refuse the very retry it asks for.
 */
export class HttpIdempotency {
  /**
   * @param staleAfterMs a key still "in progress" after this long was left by a gateway that
   * died mid-request; the retry takes it over (what runs behind it is idempotent by order id).
   */
  constructor(
    private readonly db: DataSource,
    private readonly staleAfterMs = 30_000,
  ) {}

  async run(
    scope: { tenantId: string; sub: string; key: string },
    request: { method: string; path: string; body: unknown },
    execute: () => Promise<StoredResponse>,
  ): Promise<StoredResponse & { replayed: boolean }> {
    const hash = createHash('sha256').update(JSON.stringify([request.method, request.path, request.body ?? null])).digest('hex');
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO http_idempotency (tenant_id, sub, key, request_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, sub, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, created_at = now()
         WHERE http_idempotency.created_at < now() - interval '24 hours'
            OR (http_idempotency.status IS NULL AND http_idempotency.request_hash = EXCLUDED.request_hash
                AND http_idempotency.created_at < now() - $5::interval)
       RETURNING key`,
      [scope.tenantId, scope.sub, scope.key, hash, `${this.staleAfterMs} milliseconds`],
    );
    if (inserted.length === 0) {
      const [row] = (await this.db.query(
        `SELECT request_hash, status, body FROM http_idempotency WHERE tenant_id = $1 AND sub = $2 AND key = $3`,
        [scope.tenantId, scope.sub, scope.key],
      )) as { request_hash: string; status: number | null; body: unknown }[];
      if (!row) return this.run(scope, request, execute);
      if (row.request_hash !== hash) {
        throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request');
      }
      if (row.status === null) throw new DomainError('CONFLICT', 'A request with this Idempotency-Key is still in progress', { retryAfterSeconds: 1 });
      return { status: row.status, body: row.body, replayed: true };
    }
    let response: StoredResponse;
    try {
      response = await execute();
    } catch (e) {
      await this.forget(scope);
      throw e;
    }
    if (!isOutcome(response)) await this.forget(scope);
    else {
      try {
        await this.db.query(`UPDATE http_idempotency SET status = $4, body = $5 WHERE tenant_id = $1 AND sub = $2 AND key = $3`, [
          scope.tenantId,
          scope.sub,
          scope.key,
          response.status,
          JSON.stringify(response.body),
        ]);
      } catch (e) {
        // Left "in progress", the key would refuse every retry until it went stale; what runs
        // behind it is idempotent, so the retry may run it again.
        await this.forget(scope);
        throw e;
      }
    }
    return { ...response, replayed: false };
  }

  /**
   * Drops the key, so that a request that failed on our side can run again. When the database
   * itself is what failed, the key is dropped as soon as it is back (a few tries over about 30 s)
   * rather than left "in progress" until it goes stale; the caller's answer does not wait for it.
   */
  private async forget(scope: { tenantId: string; sub: string; key: string }): Promise<void> {
    const drop = () => this.db.query(`DELETE FROM http_idempotency WHERE tenant_id = $1 AND sub = $2 AND key = $3`, [scope.tenantId, scope.sub, scope.key]);
    try {
      await drop();
    } catch {
      void (async () => {
        for (let attempt = 0; attempt < 6; attempt++) {
          await new Promise((r) => setTimeout(r, 500 * 2 ** attempt).unref());
          if (await drop().then(() => true, () => false)) return;
        }
      })();
    }
  }
}
