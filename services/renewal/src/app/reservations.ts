import { DomainError, ReservationExpired } from '@tlp/contracts';
import { enqueueEvents, sql } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { RenewalContext } from './context';

/** A reservation made by a renewal run becomes a sale, if it has not expired (even before the job released it). */
export async function confirmReservation(ctx: RenewalContext, input: { holdingId: string }): Promise<{ holdingId: string; status: 'sold' }> {
  return ctx.db.transaction(async (tx) => {
    const [h] = await sql<{ status: string; live: boolean }>(
      tx,
      `SELECT status, reserved_until > now() AS live FROM holdings WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
      [ctx.tenantId, input.holdingId],
    );
    if (!h) throw new DomainError('RENEWAL_RESERVATION_UNKNOWN', 'No reservation with this id');
    if (h.status === 'sold') return { holdingId: input.holdingId, status: 'sold' as const };
    if (h.status !== 'reserved' || !h.live) throw new DomainError('RENEWAL_RESERVATION_EXPIRED', 'The reservation expired');
    await tx.query(`UPDATE holdings SET status = 'sold', reserved_until = NULL WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, input.holdingId]);
    await tx.query(`UPDATE seat_availability SET status = 'sold' WHERE tenant_id = $1 AND holding_id = $2`, [ctx.tenantId, input.holdingId]);
    return { holdingId: input.holdingId, status: 'sold' as const };
  });
}

/** Releases the seats of reservations past their deadline, a batch at a time; returns how many expired. */
export async function expireReservations(db: DataSource, batch = 500): Promise<number> {
  return db.transaction(async (tx) => {
    const expired = await sql<{ tenantId: string; holdingId: string; contactId: string; seasonTicketId: string }>(
      tx,
      `WITH due AS (
         SELECT tenant_id, id FROM holdings WHERE status = 'reserved' AND reserved_until <= now()
         ORDER BY reserved_until LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE holdings h SET status = 'expired' FROM due WHERE h.tenant_id = due.tenant_id AND h.id = due.id
       RETURNING h.tenant_id AS "tenantId", h.id AS "holdingId", h.contact_id AS "contactId", h.season_ticket_id AS "seasonTicketId"`,
      [batch],
    );
    if (!expired.length) return 0;
    await tx.query(
      `UPDATE seat_availability a SET status = 'free', holding_id = NULL
       FROM unnest($1::text[], $2::uuid[]) AS x(t, h) WHERE a.tenant_id = x.t AND a.holding_id = x.h`,
      [expired.map((e) => e.tenantId), expired.map((e) => e.holdingId)],
    );
    await enqueueEvents(
      tx,
      expired.map((e) => ({
        contract: ReservationExpired,
        tenantId: e.tenantId,
        data: { holdingId: e.holdingId, contactId: e.contactId, seasonTicketId: e.seasonTicketId },
      })),
    );
    return expired.length;
  });
}
