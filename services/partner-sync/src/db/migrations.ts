import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Partners and their secrets, what we know of contacts and memberships, earn records for
 * reversals, spend holds, the durable delivery queue, and the inbound webhook ids seen.
 */
export class PartnerSyncTables1763900000000 implements MigrationInterface {
  name = 'PartnerSyncTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE partners (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        name text NOT NULL,
        api_base_url text NOT NULL,
        api_key text NOT NULL,
        wording jsonb NOT NULL,
        conversion jsonb NOT NULL,
        earn_rules jsonb NOT NULL,
        spend_rules jsonb NOT NULL,
        active boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, partner_id)
      )`);
    // Webhooks name only the partner: its id alone must find the one tenant it belongs to.
    await q.query(`CREATE UNIQUE INDEX partners_id ON partners (partner_id)`);
    await q.query(`CREATE UNIQUE INDEX partners_name ON partners (tenant_id, lower(name))`);
    await q.query(`
      CREATE TABLE partner_secrets (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        secret text NOT NULL,
        fingerprint text NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        PRIMARY KEY (tenant_id, partner_id, direction, fingerprint),
        FOREIGN KEY (tenant_id, partner_id) REFERENCES partners (tenant_id, partner_id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE contacts (
        tenant_id text NOT NULL,
        contact_id text NOT NULL,
        season_ticket_holder boolean NOT NULL DEFAULT false,
        registered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await q.query(`
      CREATE TABLE members (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        contact_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('joined', 'left')),
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, partner_id, contact_id)
      )`);
    // The last balance the partner told us (by reply or webhook): the durable side of the Redis cache.
    await q.query(`
      CREATE TABLE balances (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        contact_id text NOT NULL,
        points integer NOT NULL,
        as_of timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, partner_id, contact_id)
      )`);
    await q.query(`
      CREATE TABLE earn_lines (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        order_id text NOT NULL,
        line_id text NOT NULL,
        contact_id text NOT NULL,
        paid_minor integer NOT NULL CHECK (paid_minor >= 0),
        points integer NOT NULL CHECK (points >= 0),
        refunded_minor integer NOT NULL DEFAULT 0,
        reversed_points integer NOT NULL DEFAULT 0 CHECK (reversed_points <= points),
        PRIMARY KEY (tenant_id, partner_id, order_id, line_id)
      )`);
    await q.query(`
      CREATE TABLE spend_holds (
        tenant_id text NOT NULL,
        hold_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        order_id text NOT NULL,
        contact_id text NOT NULL,
        points integer NOT NULL CHECK (points > 0),
        amount_minor integer NOT NULL CHECK (amount_minor > 0),
        currency text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'held', 'captured', 'released', 'expired', 'failed')),
        expires_at timestamptz NOT NULL,
        refunded_minor integer NOT NULL DEFAULT 0,
        refunded_points integer NOT NULL DEFAULT 0 CHECK (refunded_points <= points),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, hold_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX spend_holds_order ON spend_holds (tenant_id, order_id)`);
    await q.query(`CREATE INDEX spend_holds_expiry ON spend_holds (expires_at) WHERE state = 'held'`);
    await q.query(`
      CREATE TABLE deliveries (
        delivery_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        kind text NOT NULL,
        source_key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    // One message per fact and kind: a redelivered or republished event cannot queue a second one.
    await q.query(`CREATE UNIQUE INDEX deliveries_source ON deliveries (tenant_id, partner_id, kind, source_key)`);
    await q.query(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at, delivery_id) WHERE state = 'pending'`);
    await q.query(`CREATE INDEX deliveries_state ON deliveries (tenant_id, state, delivery_id)`);
    await q.query(`
      CREATE TABLE inbound_webhooks (
        tenant_id text NOT NULL,
        partner_id uuid NOT NULL,
        webhook_id text NOT NULL,
        type text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, partner_id, webhook_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['inbound_webhooks', 'deliveries', 'spend_holds', 'earn_lines', 'balances', 'members', 'contacts', 'partner_secrets', 'partners']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
