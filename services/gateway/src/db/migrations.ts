import type { MigrationInterface, QueryRunner } from 'typeorm';

export class HttpIdempotency1763856100000 implements MigrationInterface {
  name = 'HttpIdempotency1763856100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE http_idempotency (
        tenant_id text NOT NULL,
        sub text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status int,
        body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, sub, key)
      )`);
    await q.query(`CREATE INDEX http_idempotency_created_at ON http_idempotency (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE http_idempotency`);
  }
}
