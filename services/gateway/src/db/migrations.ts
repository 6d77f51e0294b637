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

/** The checkout saga log: the only domain data the gateway keeps. */
export class CheckoutSagas1763856100001 implements MigrationInterface {
  name = 'CheckoutSagas1763856100001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE checkout_sagas (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        contact_id text,
        state text NOT NULL CHECK (state IN ('holding', 'held', 'failed', 'confirming', 'confirmed', 'cancelling', 'cancelled', 'expired')),
        cart jsonb NOT NULL,
        cart_hash text NOT NULL,
        priced jsonb NOT NULL,
        failure jsonb,
        hold_expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, order_id)
      )`);
    await q.query(`CREATE INDEX checkout_sagas_open ON checkout_sagas (state, hold_expires_at) WHERE state IN ('holding', 'held', 'confirming', 'cancelling')`);
    await q.query(`
      CREATE TABLE checkout_steps (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        step text NOT NULL,
        state text NOT NULL CHECK (state IN ('held', 'captured', 'released')),
        detail jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, order_id, step),
        FOREIGN KEY (tenant_id, order_id) REFERENCES checkout_sagas (tenant_id, order_id)
      )`);
    await q.query(`
      CREATE TABLE checkout_refunds (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        refund_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('refunding', 'refunded')),
        request jsonb NOT NULL,
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, refund_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkout_refunds`);
    await q.query(`DROP TABLE checkout_steps`);
    await q.query(`DROP TABLE checkout_sagas`);
  }
}

/** What each refund gives back of the line reductions, fixed when the refund is accepted (commission sync). */
export class RefundReductions1764000000001 implements MigrationInterface {
  name = 'RefundReductions1764000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE checkout_refunds ADD COLUMN reductions jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE checkout_refunds DROP COLUMN reductions`);
  }
}
