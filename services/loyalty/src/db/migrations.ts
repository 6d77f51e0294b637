import type { MigrationInterface, QueryRunner } from 'typeorm';

export class LoyaltyTables1763857000000 implements MigrationInterface {
  name = 'LoyaltyTables1763857000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE programs (
        program_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        settings jsonb NOT NULL,
        active boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX programs_tenant ON programs (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE accounts (
        account_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        program_id uuid NOT NULL REFERENCES programs (program_id),
        contact_id text NOT NULL,
        phone text,
        balance integer NOT NULL DEFAULT 0 CHECK (balance >= 0),
        held integer NOT NULL DEFAULT 0 CHECK (held >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, program_id, contact_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX accounts_phone ON accounts (tenant_id, program_id, phone) WHERE phone IS NOT NULL`);
    await q.query(`
      CREATE TABLE lots (
        lot_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        points integer NOT NULL CHECK (points > 0),
        remaining integer NOT NULL CHECK (remaining >= 0 AND remaining <= points),
        expires_at timestamptz,
        order_id text,
        earned_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX lots_live ON lots (account_id, expires_at NULLS LAST, lot_id) WHERE remaining > 0`);
    await q.query(`CREATE INDEX lots_expiring ON lots (expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE entries (
        entry_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        kind text NOT NULL CHECK (kind IN ('earn', 'hold', 'release', 'capture', 'expire', 'adjust', 'refund', 'reverse')),
        points integer NOT NULL,
        balance_after integer NOT NULL CHECK (balance_after >= 0),
        order_id text,
        reason text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX entries_account ON entries (account_id, entry_id)`);
    await q.query(`
      CREATE TABLE holds (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        points integer NOT NULL CHECK (points > 0),
        takes jsonb NOT NULL,
        state text NOT NULL CHECK (state IN ('held', 'captured', 'released')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, order_id)
      )`);
    await q.query(`CREATE INDEX holds_expiring ON holds (expires_at) WHERE state = 'held'`);
    await q.query(`
      CREATE TABLE order_earnings (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        account_id uuid NOT NULL REFERENCES accounts (account_id),
        points integer NOT NULL,
        total_paid_minor bigint NOT NULL,
        refunded_minor bigint NOT NULL DEFAULT 0,
        reversed integer NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, order_id)
      )`);
    await q.query(`
      CREATE TABLE activity (
        tenant_id text NOT NULL,
        contact_id text NOT NULL,
        total_spending_minor bigint NOT NULL DEFAULT 0,
        tickets integer NOT NULL DEFAULT 0,
        events_attended integer NOT NULL DEFAULT 0,
        season_ticket_holder boolean NOT NULL DEFAULT false,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id)
      )`);
    await q.query(`
      CREATE TABLE rewards (
        reward_id uuid PRIMARY KEY,
        tenant_id text NOT NULL,
        settings jsonb NOT NULL,
        active boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX rewards_tenant ON rewards (tenant_id, active)`);
    await q.query(`
      CREATE TABLE reward_grants (
        tenant_id text NOT NULL,
        reward_id uuid NOT NULL REFERENCES rewards (reward_id),
        contact_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('active', 'used', 'revoked')),
        manual boolean NOT NULL,
        granted_at timestamptz NOT NULL DEFAULT now(),
        used_at timestamptz,
        PRIMARY KEY (tenant_id, reward_id, contact_id)
      )`);
    await q.query(`
      CREATE TABLE reward_uses (
        tenant_id text NOT NULL,
        reward_id uuid NOT NULL REFERENCES rewards (reward_id),
        contact_id text NOT NULL,
        order_id text NOT NULL,
        discount_minor integer NOT NULL,
        used_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, reward_id, order_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['reward_uses', 'reward_grants', 'rewards', 'activity', 'order_earnings', 'holds', 'entries', 'lots', 'accounts', 'programs']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}

/** Rewards held by checkouts: a one-time reward is held by one order at a time (partial unique index). */
export class RewardHolds1764000000002 implements MigrationInterface {
  name = 'RewardHolds1764000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reward_holds (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        reward_id uuid NOT NULL REFERENCES rewards (reward_id),
        contact_id text NOT NULL,
        one_time boolean NOT NULL,
        state text NOT NULL CHECK (state IN ('held', 'captured', 'released')),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, order_id, reward_id)
      )`);
    await q.query(`CREATE UNIQUE INDEX reward_holds_once ON reward_holds (tenant_id, reward_id, contact_id) WHERE one_time AND state <> 'released'`);
    await q.query(`CREATE INDEX reward_holds_expiring ON reward_holds (expires_at) WHERE state = 'held'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reward_holds`);
  }
}

/** A points hold records the products it buys with their points price, so a repeat of the order can be compared and the hold read back. */
export class PointsHoldProducts1764000000003 implements MigrationInterface {
  name = 'PointsHoldProducts1764000000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE holds ADD COLUMN products jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE holds DROP COLUMN products`);
  }
}

/**
 * A contact's rewards are read by tenant and contact at every quote: without these, each quote
 * scanned every grant, use and hold of the tenant.
 */
export class RewardsByContact1764000000004 implements MigrationInterface {
  name = 'RewardsByContact1764000000004';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX reward_grants_contact ON reward_grants (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX reward_uses_contact ON reward_uses (tenant_id, contact_id)`);
    await q.query(`CREATE INDEX reward_holds_contact ON reward_holds (tenant_id, contact_id) WHERE one_time AND state <> 'released'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const i of ['reward_holds_contact', 'reward_uses_contact', 'reward_grants_contact']) await q.query(`DROP INDEX ${i}`);
  }
}
