import { DomainError, type EventData, type OrderCompleted, type ReplyOf, type ListPreferredSeats, type SeatPosition } from '@tlp/contracts';
import { sql, type Tx } from '@tlp/platform';
import type { RenewalContext } from './context';

export interface PreferredSeatInput {
  contactId: string;
  physicalConfigurationId: string;
  seat: SeatPosition;
}

/**
 * Stores the seats of a purchase as preferred seats, one per contact and physical configuration;
 * the first seat given for a pair wins within one purchase, and an older purchase never
 * overwrites a newer one (events may arrive late).
 */
export async function storePreferredSeats(tx: Tx, tenantId: string, seats: PreferredSeatInput[], orderId: string, purchasedAt: Date): Promise<void> {
  const unique = new Map<string, PreferredSeatInput>();
  for (const s of seats) {
    const k = `${s.contactId}\u0000${s.physicalConfigurationId}`;
    if (!unique.has(k)) unique.set(k, s);
  }
  const rows = [...unique.values()];
  if (!rows.length) return;
  await tx.query(
    `INSERT INTO preferred_seats (tenant_id, contact_id, physical_configuration_id, area, row, number, from_order_id, purchased_at)
     SELECT $1, x.c, x.pc, x.area, x.row, x.number, $7, $8 FROM unnest($2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[]) AS x(c, pc, area, row, number)
     ON CONFLICT (tenant_id, contact_id, physical_configuration_id) DO UPDATE
       SET area = EXCLUDED.area, row = EXCLUDED.row, number = EXCLUDED.number, from_order_id = EXCLUDED.from_order_id,
           purchased_at = EXCLUDED.purchased_at, stored_at = now()
       WHERE preferred_seats.purchased_at <= EXCLUDED.purchased_at`,
    [
      tenantId,
      rows.map((r) => r.contactId),
      rows.map((r) => r.physicalConfigurationId),
      rows.map((r) => r.seat.area),
      rows.map((r) => r.seat.row),
      rows.map((r) => r.seat.number),
      orderId,
      purchasedAt,
    ],
  );
}

const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Season-ticket lines with seats, each for its cultural contact (or the buyer). */
export async function storePreferredSeatsFromOrder(tx: Tx, tenantId: string, order: EventData<typeof OrderCompleted>): Promise<void> {
  const seats = order.lines
    .filter((l) => l.productFamily === 'season-ticket')
    .flatMap((l) => {
      const contactId = l.beneficiaryContactId ?? order.contactId;
      return contactId ? l.seats.filter((s) => uuidLike.test(s.physicalConfigurationId)).map((s) => ({ contactId, physicalConfigurationId: s.physicalConfigurationId, seat: s })) : [];
    });
  await storePreferredSeats(tx, tenantId, seats, order.orderId, new Date(order.completedAt));
}

export async function listPreferredSeats(ctx: RenewalContext, input: { contactId: string }): Promise<ReplyOf<typeof ListPreferredSeats>> {
  // Both joins are on the tenant too: an order may name another tenant's configuration id, whose name and seats are not ours to show.
  const rows = await sql<{
    physicalConfigurationId: string;
    physicalConfigurationName: string | null;
    area: string;
    row: string;
    number: string;
    valid: boolean;
    fromOrderId: string;
    storedAt: Date;
  }>(
    ctx.db,
    `SELECT p.physical_configuration_id AS "physicalConfigurationId", pc.name AS "physicalConfigurationName", p.area, p.row, p.number,
            p.from_order_id AS "fromOrderId", p.stored_at AS "storedAt", s.id IS NOT NULL AS valid
     FROM preferred_seats p
     LEFT JOIN physical_configurations pc ON pc.tenant_id = p.tenant_id AND pc.id = p.physical_configuration_id
     LEFT JOIN seats s ON s.tenant_id = p.tenant_id AND s.physical_configuration_id = p.physical_configuration_id
       AND s.area = p.area AND s.row = p.row AND s.number = p.number
     WHERE p.tenant_id = $1 AND p.contact_id = $2
     ORDER BY p.stored_at`,
    [ctx.tenantId, input.contactId],
  );
  return { preferredSeats: rows.map((r) => ({ ...r, contactId: input.contactId, storedAt: r.storedAt.toISOString() })) };
}

/** The operator removes a preferred seat; tickets already sold are not touched. */
export async function deletePreferredSeat(ctx: RenewalContext, input: { contactId: string; physicalConfigurationId: string }): Promise<{ deleted: true }> {
  const deleted = await sql(
    ctx.db,
    `DELETE FROM preferred_seats WHERE tenant_id = $1 AND contact_id = $2 AND physical_configuration_id = $3 RETURNING 1`,
    [ctx.tenantId, input.contactId, input.physicalConfigurationId],
  );
  if (!deleted.length) throw new DomainError('RENEWAL_PREFERRED_SEAT_UNKNOWN', 'No preferred seat for this contact and physical configuration');
  return { deleted: true };
}
