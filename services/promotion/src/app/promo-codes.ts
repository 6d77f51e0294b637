import { DomainError, type ParsedRequestOf, type PromoCode, type createPromoCode as CreatePromoCode } from '@tlp/contracts';
import { newId, onceByKey } from '@tlp/platform';
import { claimAccessCode, findPromoCode, insertPromoCode, promoCodeOf, setPromoState } from '../db/catalog';
import { checkTransition } from './advantages';
import { notFound, requireIdempotencyKey, type PromotionContext } from './context';

export async function createPromoCode(ctx: PromotionContext, input: ParsedRequestOf<typeof CreatePromoCode>): Promise<PromoCode> {
  const key = requireIdempotencyKey(ctx, 'Creating a promo code');
  const created = await ctx.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'promo-codes.create', key }, input, async () => {
      const id = newId();
      if (!(await claimAccessCode(tx, ctx.tenantId, input.accessCode, 'promo', id))) {
        throw new DomainError('PROMOTION_CODE_TAKEN', 'Another advantage or promo code already uses this access code');
      }
      return promoCodeOf(await insertPromoCode(tx, ctx.tenantId, id, input));
    }),
  );
  ctx.catalog.forget(ctx.tenantId);
  return created;
}

export async function getPromoCode(ctx: PromotionContext, promoCodeId: string): Promise<PromoCode> {
  const row = await findPromoCode(ctx.db, ctx.tenantId, promoCodeId);
  if (!row) throw notFound('Promo code');
  return promoCodeOf(row);
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
