import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Venue model, season tickets, holdings, preferred seats and renewal runs. */
export class RenewalSchema1763900000000 implements MigrationInterface {
  name = 'RenewalSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE spaces (tenant_id text NOT NULL, id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id))`);
    await q.query(`
      CREATE TABLE physical_configurations (
        tenant_id text NOT NULL, id uuid NOT NULL, space_id uuid NOT NULL, name text NOT NULL,
        PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, space_id) REFERENCES spaces (tenant_id, id))`);
    await q.query(`
      CREATE TABLE seats (
        tenant_id text NOT NULL, id uuid NOT NULL, physical_configuration_id uuid NOT NULL,
        area text NOT NULL, row text NOT NULL, number text NOT NULL, rank int NOT NULL,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, physical_configuration_id, area, row, number),
        FOREIGN KEY (tenant_id, physical_configuration_id) REFERENCES physical_configurations (tenant_id, id))`);
    await q.query(`
      CREATE TABLE logical_configurations (
        tenant_id text NOT NULL, id uuid NOT NULL, physical_configuration_id uuid NOT NULL, name text NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, physical_configuration_id) REFERENCES physical_configurations (tenant_id, id))`);
    await q.query(`
      CREATE TABLE logical_configuration_seats (
        tenant_id text NOT NULL, logical_configuration_id uuid NOT NULL, seat_id uuid NOT NULL, category text NOT NULL,
        PRIMARY KEY (tenant_id, logical_configuration_id, seat_id),
        FOREIGN KEY (tenant_id, seat_id) REFERENCES seats (tenant_id, id))`);
    await q.query(`
      CREATE TABLE performances (
        tenant_id text NOT NULL, id uuid NOT NULL, logical_configuration_id uuid NOT NULL,
        name text NOT NULL, starts_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, logical_configuration_id) REFERENCES logical_configurations (tenant_id, id))`);
    // One row per sellable seat and performance: the seat's state for that performance.
    await q.query(`
      CREATE TABLE seat_availability (
        tenant_id text NOT NULL, performance_id uuid NOT NULL, seat_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'held', 'sold')),
        holding_id uuid,
        PRIMARY KEY (tenant_id, performance_id, seat_id))`);
    await q.query(`CREATE INDEX seat_availability_holding ON seat_availability (tenant_id, holding_id) WHERE holding_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE season_tickets (
        tenant_id text NOT NULL, id uuid NOT NULL, name text NOT NULL,
        type text NOT NULL CHECK (type IN ('calculated-price', 'predefined-price', 'fixed-seat')),
        quota int CHECK (quota > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CHECK (type <> 'fixed-seat' OR quota IS NOT NULL))`);
    await q.query(`
      CREATE TABLE season_ticket_performances (
        tenant_id text NOT NULL, season_ticket_id uuid NOT NULL, performance_id uuid NOT NULL, position int NOT NULL,
        PRIMARY KEY (tenant_id, season_ticket_id, performance_id))`);
    // One live holding per contact and season ticket: the unique index is what makes a renewal happen once.
    await q.query(`
      CREATE TABLE holdings (
        tenant_id text NOT NULL, id uuid NOT NULL, season_ticket_id uuid NOT NULL, contact_id text NOT NULL,
        order_id text, renewal_run_id uuid,
        status text NOT NULL CHECK (status IN ('sold', 'reserved', 'expired')),
        reserved_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id))`);
    await q.query(`CREATE UNIQUE INDEX holdings_one_per_contact ON holdings (tenant_id, season_ticket_id, contact_id) WHERE status <> 'expired'`);
    await q.query(`CREATE INDEX holdings_reserved ON holdings (reserved_until) WHERE status = 'reserved'`);
    await q.query(`
      CREATE TABLE holding_seats (
        tenant_id text NOT NULL, holding_id uuid NOT NULL, performance_id uuid NOT NULL, seat_id uuid NOT NULL, category text NOT NULL,
        PRIMARY KEY (tenant_id, holding_id, performance_id))`);
    // Position kept as text: a seat removed from the configuration leaves the preference unresolvable, so ignored.
    await q.query(`
      CREATE TABLE preferred_seats (
        tenant_id text NOT NULL, contact_id text NOT NULL, physical_configuration_id uuid NOT NULL,
        area text NOT NULL, row text NOT NULL, number text NOT NULL,
        from_order_id text NOT NULL, purchased_at timestamptz NOT NULL, stored_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, contact_id, physical_configuration_id))`);
    await q.query(`
      CREATE TABLE renewal_runs (
        tenant_id text NOT NULL, id uuid NOT NULL, run_key text NOT NULL,
        origin_season_ticket_id uuid NOT NULL, target_season_ticket_id uuid NOT NULL,
        renew_strategy text NOT NULL, create_reservation text NOT NULL, reservation_days int NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'completed')),
        created_at timestamptz NOT NULL DEFAULT now(), completed_at timestamptz,
        PRIMARY KEY (tenant_id, id), UNIQUE (tenant_id, run_key))`);
    await q.query(`CREATE INDEX renewal_runs_open ON renewal_runs (created_at) WHERE status <> 'completed'`);
    // The per-holder decision, written with the renewal it causes: a resumed run skips it.
    await q.query(`
      CREATE TABLE renewal_decisions (
        tenant_id text NOT NULL, run_id uuid NOT NULL, origin_holding_id uuid NOT NULL, seq int NOT NULL,
        contact_id text NOT NULL, step int NOT NULL, outcome text NOT NULL, reason text,
        seat_changed boolean NOT NULL, reserved boolean NOT NULL, target_holding_id uuid, groups jsonb NOT NULL,
        PRIMARY KEY (tenant_id, run_id, origin_holding_id))`);
    await q.query(`CREATE INDEX renewal_decisions_order ON renewal_decisions (tenant_id, run_id, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'renewal_decisions',
      'renewal_runs',
      'preferred_seats',
      'holding_seats',
      'holdings',
      'season_ticket_performances',
      'season_tickets',
      'seat_availability',
      'performances',
      'logical_configuration_seats',
      'logical_configurations',
      'seats',
      'physical_configurations',
      'spaces',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
