import { DomainError, type Advantage, type ParsedRequestOf, type createAdvantage as CreateAdvantage, type changeTargetList, type updateAdvantage as UpdateAdvantage } from '@tlp/contracts';
import { newId, onceByKey, sql } from '@tlp/platform';
import { advantageOf, claimAccessCode, findAdvantage, insertAdvantage, listAdvantageRows, setAdvantageState, updateAdvantageRow } from '../db/catalog';
import { notFound, requireIdempotencyKey, type PromotionContext } from './context';
import { changedFields, checkLimit, type EditRules } from './edits';
import { expireHoldsOn } from './holds';

type State = Advantage['state'];
const nextStates: Record<State, State[]> = { draft: ['in-operation'], 'in-operation': ['closed'], closed: [] };

/** Seed 002: draft → in operation → closed. Asking for the current state again is a no-op. */
export function checkTransition(kind: string, from: State, to: State): void {
  if (from !== to && !nextStates[from].includes(to)) {
    throw new DomainError('PROMOTION_INVALID_TRANSITION', `A ${kind} cannot go from ${from} to ${to}`, { from, to });
  }
}

export async function createAdvantage(ctx: PromotionContext, input: ParsedRequestOf<typeof CreateAdvantage>): Promise<Advantage> {
  const key = requireIdempotencyKey(ctx, 'Creating an advantage');
  const created = await ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'advantages.create', key }, input, async () => {
      const id = newId();
      if (input.target.type === 'partner' && !(await claimAccessCode(tx, ctx.tenantId, input.target.accessCode, 'partner', id))) {
        throw new DomainError('PROMOTION_CODE_TAKEN', 'Another advantage or promo code already uses this access code');
      }
      return advantageOf(await insertAdvantage(tx, ctx.tenantId, id, input));
    }),
  );
  ctx.catalog.forget(ctx.tenantId);
  return created;
}

/** What an advantage in operation may still change: nothing that rewrites the sales already made. */
const advantageEdits: EditRules = {
  what: 'advantage',
  editableInOperation: new Set(['names', 'channels', 'validUntil', 'endOfSale', 'quota', 'prices']),
};

/** See the contract: a draft changes freely, one in operation within limits, a closed one not at all. */
export async function updateAdvantage(ctx: PromotionContext, input: ParsedRequestOf<typeof UpdateAdvantage>): Promise<Advantage> {
  const { advantageId, ...changes } = input;
  const changed = await ctx.db.transaction(async (tx) => {
    // Holds that expired still count in quota_taken until ended; a venue may lower the quota to what is really taken.
    if (changes.quota !== undefined) await expireHoldsOn(tx, ctx.tenantId, 'advantage', advantageId, ctx.now);
    const row = await findAdvantage(tx, ctx.tenantId, advantageId, true);
    if (!row) throw notFound('Advantage');
    const current = advantageOf(row);
    const fields = changedFields(current, changes, {
      ...advantageEdits,
      // A partner target's access code is claimed in the shared namespace: recreate the advantage instead.
      lockedHere: (changed) => (changed.includes('target') && (changes.target?.type === 'partner' || current.target.type === 'partner') ? ['target'] : []),
    });
    const next = { ...current, ...changes };
    checkLimit(next.quota, current.quotaTaken);
    return fields.length ? updateAdvantageRow(tx, ctx.tenantId, next) : row;
  });
  ctx.catalog.forget(ctx.tenantId);
  return advantageOf(changed);
}

export async function getAdvantage(ctx: PromotionContext, advantageId: string): Promise<Advantage> {
  const row = await findAdvantage(ctx.db, ctx.tenantId, advantageId);
  if (!row) throw notFound('Advantage');
  return advantageOf(row);
}

export async function listAdvantages(ctx: PromotionContext, season: string | undefined, state: State | undefined): Promise<Advantage[]> {
  return (await listAdvantageRows(ctx.db, ctx.tenantId, season ?? null, state ?? null)).map(advantageOf);
}

export async function transitionAdvantage(ctx: PromotionContext, advantageId: string, to: State): Promise<Advantage> {
  const changed = await ctx.db.transaction(async (tx) => {
    const row = await findAdvantage(tx, ctx.tenantId, advantageId, true);
    if (!row) throw notFound('Advantage');
    checkTransition('advantage', row.state, to);
    if (row.state === to) return row;
    return (await setAdvantageState(tx, ctx.tenantId, advantageId, to)) ?? row;
  });
  ctx.catalog.forget(ctx.tenantId);
  return advantageOf(changed);
}

/** Imports or changes a campaign's target list; the reply gives the list's size afterwards. */
export async function changeTargets(ctx: PromotionContext, input: ParsedRequestOf<typeof changeTargetList>): Promise<{ advantageId: string; contacts: number }> {
  const changed = await ctx.db.transaction(async (tx) => {
    const row = await findAdvantage(tx, ctx.tenantId, input.advantageId, true);
    if (!row) throw notFound('Advantage');
    if (row.target.type !== 'contacts') {
      throw new DomainError('PROMOTION_NOT_CONTACTS_TARGET', 'This advantage is not targeted at a contact list');
    }
    const ids = [...new Set(input.contactIds)];
    if (input.mode === 'replace') {
      await tx.query(`DELETE FROM target_contacts WHERE tenant_id = $1 AND advantage_id = $2`, [ctx.tenantId, input.advantageId]);
    }
    if (input.mode === 'remove') {
      await tx.query(`DELETE FROM target_contacts WHERE tenant_id = $1 AND advantage_id = $2 AND contact_id = ANY($3::text[])`, [
        ctx.tenantId,
        input.advantageId,
        ids,
      ]);
    } else {
      await tx.query(
        `INSERT INTO target_contacts (tenant_id, advantage_id, contact_id) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
        [ctx.tenantId, input.advantageId, ids],
      );
    }
    await tx.query(
      `INSERT INTO target_versions (tenant_id, version) VALUES ($1, 1)
       ON CONFLICT (tenant_id) DO UPDATE SET version = target_versions.version + 1`,
      [ctx.tenantId],
    );
    const [count] = await sql<{ n: number }>(tx, `SELECT count(*)::int AS n FROM target_contacts WHERE tenant_id = $1 AND advantage_id = $2`, [
      ctx.tenantId,
      input.advantageId,
    ]);
    return { advantageId: input.advantageId, contacts: count?.n ?? 0 };
  });
  ctx.catalog.forget(ctx.tenantId);
  return changed;
}
