import type { EventData, OrderRefunded } from '@tlp/contracts';
import { sql, type Tx } from '@tlp/platform';
import { giveBack, HOLD_COLUMNS, type HeldLine, type HoldRow } from './holds';

/**
 * Whole units of a line that a refund gave back, from the share of the line's reduction refunded
 * (the gateway refunds reductions in the share of the line's price refunded). Rounded to the
 * nearest unit, half down: refunding one ticket of three gives back one unit despite the cent
 * lost to rounding, refunding half a ticket gives back none, a full refund gives back every unit.
 */
export function unitsRefunded(l: HeldLine): number {
  if (l.refundedMinor >= l.reductionMinor) return l.quantity;
  return Math.max(0, Math.ceil((l.quantity * l.refundedMinor) / l.reductionMinor - 0.5));
}

/**
 * An order was refunded: what its refunded lines took comes back. Quota units line by line, in
 * whole units; a promo-code use and a single-use code only once every line they reduced is
 * refunded in full (a code is one order: it comes back when that order is undone, not before).
 * Applied once per refund id, on top of the consumer's inbox, so a refund published again under
 * another event id gives nothing back twice.
 */
export async function applyRefund(tx: Tx, tenantId: string, refund: EventData<typeof OrderRefunded>, now: Date): Promise<void> {
  const first = await sql(
    tx,
    `INSERT INTO applied_refunds (tenant_id, refund_id, order_id, applied_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING refund_id`,
    [tenantId, refund.refundId, refund.orderId, now],
  );
  if (first.length === 0) return;
  const holds = await sql<HoldRow>(tx, `SELECT ${HOLD_COLUMNS} FROM holds WHERE tenant_id = $1 AND order_id = $2 AND state = 'captured' ORDER BY id FOR UPDATE`, [
    tenantId,
    refund.orderId,
  ]);
  for (const hold of holds) {
    // Holds placed before they recorded their lines cannot say what a refund covers.
    if (hold.lines.length === 0) continue;
    const lines = hold.lines.map((l) => {
      const given = refund.reductions.filter((r) => r.lineId === l.lineId && r.ref === l.ref).reduce((sum, r) => sum + r.amountMinor, 0);
      return { ...l, refundedMinor: Math.min(l.reductionMinor, l.refundedMinor + given) };
    });
    const whole = lines.every((l) => l.refundedMinor >= l.reductionMinor);
    const returned = hold.kind === 'advantage' ? Math.min(hold.units, lines.reduce((sum, l) => sum + unitsRefunded(l), 0)) : whole ? hold.units : 0;
    const back = returned - hold.returned;
    if (back > 0) {
      if (hold.kind === 'single-use-code') {
        await tx.query(
          `UPDATE single_use_codes SET state = 'available', used_at = NULL, used_by = NULL, order_id = NULL, tickets_scanned = 0
           WHERE tenant_id = $1 AND code = $2 AND state = 'used' AND order_id = $3`,
          [tenantId, hold.ref, hold.order_id],
        );
      } else {
        await giveBack(tx, [{ ...hold, units: back }]);
      }
    }
    await tx.query(`UPDATE holds SET lines = $3, returned = $4, state = CASE WHEN $4 = units THEN 'refunded' ELSE state END WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      hold.id,
      JSON.stringify(lines),
      returned,
    ]);
  }
}
