import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored value in one `accounts` table (a financial voucher, an experience voucher's validity and
 * status, a contact's credit note per currency) with its append-only `ledger`; `vouchers` holds
 * what only vouchers have (code hash, PIN hash, grant, VAT set-up); `holds` are checkout
 * reservations by order. Every unique index starts with the tenant.
 */
export class VoucherTables1763950000000 implements MigrationInterface {
  name = 'VoucherTables1763950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE settings (
        tenant_id text PRIMARY KEY,
        vat_timing text NOT NULL CHECK (vat_timing IN ('at-sale', 'at-redemption')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE open_products (
        tenant_id text NOT NULL,
        season text NOT NULL,
        vat_code text NOT NULL,
        vat_rate_bp int NOT NULL CHECK (vat_rate_bp BETWEEN 0 AND 10000),
        open_product_id text NOT NULL,
        PRIMARY KEY (tenant_id, season, vat_code)
      )`);
    await q.query(`
      CREATE TABLE accounts (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('voucher', 'credit-note')),
        contact_id text,
        currency char(3) NOT NULL,
        balance_minor bigint NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'redeemed', 'expired', 'cancelled')),
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX accounts_credit_note ON accounts (tenant_id, contact_id, currency) WHERE kind = 'credit-note'`);
    await q.query(`CREATE INDEX accounts_to_expire ON accounts (valid_until) WHERE status = 'active' AND valid_until IS NOT NULL`);
    await q.query(`
      CREATE TABLE vouchers (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('financial', 'experience')),
        code_hash text NOT NULL,
        code_hint text NOT NULL,
        pin_hash text,
        face_value_minor bigint NOT NULL,
        sale_id text NOT NULL,
        order_id text,
        grant_spec jsonb,
        season text,
        vat_code text,
        vat_rate_bp int,
        vat_timing text,
        redemption_id text,
        redeemed_at timestamptz,
        cancel_reason text,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, id) REFERENCES accounts (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX vouchers_code ON vouchers (tenant_id, code_hash)`);
    await q.query(`CREATE UNIQUE INDEX vouchers_sale ON vouchers (tenant_id, sale_id)`);
    await q.query(`
      CREATE TABLE ledger (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        account_id uuid NOT NULL,
        type text NOT NULL,
        delta_minor bigint NOT NULL,
        balance_after_minor bigint NOT NULL CHECK (balance_after_minor >= 0),
        order_id text,
        ref text,
        at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX ledger_account ON ledger (tenant_id, account_id, id)`);
    // A refund or a conversion lands once per reference, whatever the retries.
    await q.query(`CREATE UNIQUE INDEX ledger_once ON ledger (tenant_id, account_id, type, ref) WHERE type IN ('credit', 'conversion')`);
    await q.query(`
      CREATE TABLE holds (
        tenant_id text NOT NULL,
        id uuid NOT NULL,
        account_id uuid NOT NULL,
        account_kind text NOT NULL,
        order_id text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency char(3) NOT NULL,
        status text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'captured', 'released')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX holds_order ON holds (tenant_id, order_id, account_id)`);
    await q.query(`CREATE INDEX holds_expiring ON holds (expires_at) WHERE status = 'held'`);
    await q.query(`CREATE INDEX holds_account ON holds (tenant_id, account_id) WHERE status = 'held'`);
    await q.query(`
      CREATE TABLE accounting_lines (
        tenant_id text NOT NULL,
        voucher_id uuid NOT NULL,
        seq int NOT NULL,
        phase text NOT NULL CHECK (phase IN ('sale', 'redemption')),
        kind text NOT NULL,
        ref text NOT NULL,
        vat_code text NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        PRIMARY KEY (tenant_id, voucher_id, phase, seq),
        FOREIGN KEY (tenant_id, voucher_id) REFERENCES vouchers (tenant_id, id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['accounting_lines', 'holds', 'ledger', 'vouchers', 'accounts', 'open_products', 'settings']) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}

/** "My vouchers": a contact's vouchers without scanning the tenant's. */
export class VouchersByContact1764000000000 implements MigrationInterface {
  name = 'VouchersByContact1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX accounts_voucher_contact ON accounts (tenant_id, contact_id, valid_until) WHERE kind = 'voucher'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX accounts_voucher_contact`);
  }
}

/**
 * Every order that held or released here, per kind of account. A release by order closes it, so a
 * hold that arrives after its release (it waited in a queue while the checkout gave up on it) is
 * refused instead of setting money aside until its expiry. Holds and releases also lock the row
 * first, so a release sent while a hold is being written waits for it and releases it.
 */
export class Orders1764100000000 implements MigrationInterface {
  name = 'Orders1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orders (
        tenant_id text NOT NULL,
        order_id text NOT NULL,
        kind text NOT NULL,
        released_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, order_id, kind)
      )`);
    // Only the clean-up reads it; BRIN costs next to nothing on the checkout's inserts.
    await q.query(`CREATE INDEX orders_created ON orders USING brin (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE orders`);
  }
}
