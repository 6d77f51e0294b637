import type { ReplyOf, codeDashboard } from '@tlp/contracts';
import { sql } from '@tlp/platform';
import type { PromotionContext } from './context';

interface Counts {
  generated: number;
  available: number;
  used: number;
  ticketsScanned: number;
  invalidated: number;
}

/**
 * The seed's "tableau de bord": for a season, per advantage (and per requesting contact when asked)
 * the codes generated, available (not used or invalidated, a held code included), used, the tickets
 * sold with them that were scanned, and invalidated, with totals.
 */
export async function dashboard(ctx: PromotionContext, season: string, perContact: boolean): Promise<ReplyOf<typeof codeDashboard>> {
  const rows = await sql<Counts & { contact_id: string | null; advantage_id: string; names: { public: Record<string, string> } }>(
    ctx.db,
    `SELECT CASE WHEN $3 THEN b.requested_by END AS contact_id, c.advantage_id, a.names,
            count(*)::int AS generated,
            count(*) FILTER (WHERE c.state IN ('available', 'held'))::int AS available,
            count(*) FILTER (WHERE c.state = 'used')::int AS used,
            coalesce(sum(c.tickets_scanned), 0)::int AS "ticketsScanned",
            count(*) FILTER (WHERE c.state = 'invalidated')::int AS invalidated
     FROM single_use_codes c
     JOIN code_batches b ON b.tenant_id = c.tenant_id AND b.id = c.batch_id
     JOIN advantages a ON a.tenant_id = c.tenant_id AND a.id = c.advantage_id
     WHERE c.tenant_id = $1 AND a.season = $2
     GROUP BY 1, c.advantage_id, a.names
     ORDER BY 1 NULLS FIRST, c.advantage_id`,
    [ctx.tenantId, season, perContact],
  );
  const totals: Counts = { generated: 0, available: 0, used: 0, ticketsScanned: 0, invalidated: 0 };
  for (const r of rows) for (const k of Object.keys(totals) as (keyof Counts)[]) totals[k] += r[k];
  return {
    season,
    rows: rows.map((r) => ({
      contactId: r.contact_id,
      advantageId: r.advantage_id,
      advantageName: r.names.public,
      generated: r.generated,
      available: r.available,
      used: r.used,
      ticketsScanned: r.ticketsScanned,
      invalidated: r.invalidated,
    })),
    totals,
  };
}
