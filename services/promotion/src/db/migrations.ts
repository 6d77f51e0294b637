import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Advantages, promo codes, target lists, single-use codes and their batches, holds, scanned tickets. */
export class PromotionTables1763900000000 implements MigrationInterface {
  name = 'PromotionTables1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE advantages (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        season text NOT NULL,
        family text NOT NULL,
        state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in-operation', 'closed')),
        names jsonb NOT NULL,
        target jsonb NOT NULL,
        channels text[],
        valid_from timestamptz,
        valid_until timestamptz,
        end_of_sale jsonb NOT NULL,
        quota int CHECK (quota > 0),
        quota_taken int NOT NULL DEFAULT 0 CHECK (quota_taken >= 0 AND (quota IS NULL OR quota_taken <= quota)),
        funded_by text NOT NULL,
        prices jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX advantages_live ON advantages (tenant_id) WHERE state = 'in-operation'`);
    await q.query(`CREATE INDEX advantages_season ON advantages (tenant_id, season)`);
    await q.query(`
      CREATE TABLE promo_codes (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        access_code text NOT NULL,
        state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'in-operation', 'closed')),
        names jsonb NOT NULL,
        discount jsonb NOT NULL,
        min_cart jsonb,
        indicator jsonb,
        channels text[],
        valid_from timestamptz,
        valid_until timestamptz,
        end_of_sale jsonb NOT NULL,
        max_uses int CHECK (max_uses > 0),
        uses_taken int NOT NULL DEFAULT 0 CHECK (uses_taken >= 0 AND (max_uses IS NULL OR uses_taken <= max_uses)),
        funded_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    // Partner access codes and promo codes share one namespace per tenant: a typed code means one thing.
    await q.query(`
      CREATE TABLE access_codes (
        tenant_id text NOT NULL,
        code text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('partner', 'promo')),
        ref uuid NOT NULL,
        PRIMARY KEY (tenant_id, code)
      )`);
    await q.query(`
      CREATE TABLE target_contacts (
        tenant_id text NOT NULL,
        advantage_id uuid NOT NULL,
        contact_id text NOT NULL,
        PRIMARY KEY (tenant_id, advantage_id, contact_id)
      )`);
    await q.query(`CREATE INDEX target_contacts_contact ON target_contacts (tenant_id, contact_id)`);
    // Bumped with every target-list change, so quote caches reload the lists only when they change.
    await q.query(`
      CREATE TABLE target_versions (
        tenant_id text PRIMARY KEY,
        version bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE code_batches (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        advantage_id uuid NOT NULL,
        requested_by text NOT NULL,
        count int NOT NULL CHECK (count > 0),
        generated int NOT NULL DEFAULT 0 CHECK (generated <= count),
        state text NOT NULL DEFAULT 'generating' CHECK (state IN ('generating', 'ready')),
        locale text NOT NULL,
        destination text NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now(),
        ready_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX code_batches_generating ON code_batches (created_at) WHERE state = 'generating'`);
    // A batch is written in chunks that workers (in this process and in other replicas) claim with SKIP LOCKED.
    await q.query(`
      CREATE TABLE code_batch_chunks (
        tenant_id text NOT NULL,
        batch_id uuid NOT NULL,
        chunk_no int NOT NULL,
        size int NOT NULL CHECK (size > 0),
        done boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, batch_id, chunk_no)
      )`);
    await q.query(`CREATE INDEX code_batch_chunks_todo ON code_batch_chunks (batch_id, chunk_no) WHERE NOT done`);
    await q.query(`
      CREATE TABLE single_use_codes (
        tenant_id text NOT NULL,
        code text NOT NULL,
        batch_id uuid NOT NULL,
        seq int NOT NULL,
        advantage_id uuid NOT NULL,
        state text NOT NULL DEFAULT 'available' CHECK (state IN ('available', 'held', 'used', 'invalidated')),
        generated_at timestamptz NOT NULL DEFAULT now(),
        hold_order_id text,
        held_until timestamptz,
        order_id text,
        used_by text,
        used_at timestamptz,
        invalidated_at timestamptz,
        tickets_scanned int NOT NULL DEFAULT 0,
        PRIMARY KEY (tenant_id, code)
      )`);
    // Appended in seq order within a batch, so this index grows at its right edge during generation.
    await q.query(`CREATE UNIQUE INDEX single_use_codes_batch ON single_use_codes (batch_id, seq)`);
    await q.query(`CREATE INDEX single_use_codes_order ON single_use_codes (tenant_id, order_id) WHERE order_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE holds (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        order_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('advantage', 'single-use-code', 'promo-code')),
        ref text NOT NULL,
        units int NOT NULL CHECK (units > 0),
        state text NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'captured', 'released', 'expired')),
        contact_id text,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, order_id, kind, ref)
      )`);
    await q.query(`CREATE INDEX holds_live ON holds (tenant_id, kind, ref, expires_at) WHERE state = 'held'`);
    await q.query(`CREATE INDEX holds_due ON holds (expires_at) WHERE state = 'held'`);
    await q.query(`
      CREATE TABLE scanned_tickets (
        tenant_id text NOT NULL,
        ticket_id text NOT NULL,
        code text NOT NULL,
        scanned_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, ticket_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['scanned_tickets', 'holds', 'single_use_codes', 'code_batch_chunks', 'code_batches', 'target_versions', 'target_contacts', 'access_codes', 'promo_codes', 'advantages']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}

/**
 * Refunds give back what an order took: each hold records the lines it took something for (with
 * the reduction they got) and how much refunds returned; refunds applied are kept by refund id.
 */
export class PromotionRefunds1764100000000 implements MigrationInterface {
  name = 'PromotionRefunds1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE holds ADD COLUMN lines jsonb NOT NULL DEFAULT '[]', ADD COLUMN returned int NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= units)`);
    await q.query(`ALTER TABLE holds DROP CONSTRAINT holds_state_check`);
    await q.query(`ALTER TABLE holds ADD CONSTRAINT holds_state_check CHECK (state IN ('held', 'captured', 'released', 'expired', 'refunded'))`);
    await q.query(`
      CREATE TABLE applied_refunds (
        tenant_id text NOT NULL,
        refund_id text NOT NULL,
        order_id text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, refund_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE applied_refunds`);
    await q.query(`ALTER TABLE holds DROP CONSTRAINT holds_state_check`);
    await q.query(`ALTER TABLE holds ADD CONSTRAINT holds_state_check CHECK (state IN ('held', 'captured', 'released', 'expired'))`);
    await q.query(`ALTER TABLE holds DROP COLUMN lines, DROP COLUMN returned`);
  }
}
