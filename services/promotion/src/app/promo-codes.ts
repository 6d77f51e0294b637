import { DomainError, type ParsedRequestOf, type PromoCode, type createPromoCode as CreatePromoCode, type updatePromoCode as UpdatePromoCode } from '@tlp/contracts';
import { newId, onceByKey } from '@tlp/platform';
import { claimAccessCode, findPromoCode, insertPromoCode, listPromoRows, promoCodeOf, releaseAccessCode, setPromoState, updatePromoRow } from '../db/catalog';
import { checkTransition } from './advantages';
import { notFound, requireIdempotencyKey, type PromotionContext } from './context';
import { changedFields, checkLimit, type EditRules } from './edits';
import { expireHoldsOn } from './holds';

const codeTaken = () => new DomainError('PROMOTION_CODE_TAKEN', 'Another advantage or promo code already uses this access code');

export async function createPromoCode(ctx: PromotionContext, input: ParsedRequestOf<typeof CreatePromoCode>): Promise<PromoCode> {
  const key = requireIdempotencyKey(ctx, 'Creating a promo code');
  const created = await ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'promo-codes.create', key }, input, async () => {
      const id = newId();
      if (!(await claimAccessCode(tx, ctx.tenantId, input.accessCode, 'promo', id))) {
        throw codeTaken();
      }
      return promoCodeOf(await insertPromoCode(tx, ctx.tenantId, id, input));
    }),
  );
  ctx.catalog.forget(ctx.tenantId);
  return created;
}

/**
 * Once in operation, customers have the code and its terms (discount, conditions, funder):
 * those stay; the names, channels, the end of the window and the maximum uses may change.
 */
const promoEdits: EditRules = {
  what: 'promo code',
  editableInOperation: new Set(['names', 'channels', 'validUntil', 'endOfSale', 'maxUses']),
};

/** See the contract: a draft changes freely, one in operation within limits, a closed one not at all. */
export async function updatePromoCode(ctx: PromotionContext, input: ParsedRequestOf<typeof UpdatePromoCode>): Promise<PromoCode> {
  const { promoCodeId, ...changes } = input;
  const changed = await ctx.db.transaction(async (tx) => {
    // Uses held by expired checkouts are not taken: end them before judging a lower maximum.
    if (changes.maxUses !== undefined) await expireHoldsOn(tx, ctx.tenantId, 'promo-code', promoCodeId, ctx.now);
    const row = await findPromoCode(tx, ctx.tenantId, promoCodeId, true);
    if (!row) throw notFound('Promo code');
    const current = promoCodeOf(row);
    const fields = changedFields(current, changes, promoEdits);
    const next = { ...current, ...changes };
    checkLimit(next.maxUses, current.usesTaken);
    if (fields.includes('accessCode')) {
      if (!(await claimAccessCode(tx, ctx.tenantId, next.accessCode, 'promo', promoCodeId))) throw codeTaken();
      await releaseAccessCode(tx, ctx.tenantId, current.accessCode, promoCodeId);
    }
    return fields.length ? updatePromoRow(tx, ctx.tenantId, next) : row;
  });
  ctx.catalog.forget(ctx.tenantId);
  return promoCodeOf(changed);
}

export async function getPromoCode(ctx: PromotionContext, promoCodeId: string): Promise<PromoCode> {
  const row = await findPromoCode(ctx.db, ctx.tenantId, promoCodeId);
  if (!row) throw notFound('Promo code');
  return promoCodeOf(row);
}

export async function listPromoCodes(ctx: PromotionContext, state: PromoCode['state'] | undefined): Promise<PromoCode[]> {
  return (await listPromoRows(ctx.db, ctx.tenantId, state ?? null)).map(promoCodeOf);
}

export async function transitionPromoCode(ctx: PromotionContext, promoCodeId: string, to: PromoCode['state']): Promise<PromoCode> {
  const changed = await ctx.db.transaction(async (tx) => {
    const [row] = (await tx.query(`SELECT state FROM promo_codes WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [ctx.tenantId, promoCodeId])) as {
      state: PromoCode['state'];
    }[];
    if (!row) throw notFound('Promo code');
    checkTransition('promo code', row.state, to);
    return setPromoState(tx, ctx.tenantId, promoCodeId, to);
  });
  ctx.catalog.forget(ctx.tenantId);
  if (!changed) throw notFound('Promo code');
  return promoCodeOf(changed);
}
