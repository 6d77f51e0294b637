import type { Cart } from '@tlp/contracts';
import { readTogether, sql } from '@tlp/platform';
import { accessCodeRows, advantageRuleOf, liveAdvantageRows, promoRows, promoRuleOf, type Queryable } from '../db/catalog';
import { codeRows } from '../db/codes';
import type { AdvantageRule, EvaluationFacts, ResolvedCode } from '../domain/evaluation';
import { indexByProduct, type CatalogSnapshot } from './live-catalog';

/** The rows a hold evaluates against: read inside its transaction, never from the quote cache. */
export async function freshSnapshot(q: Queryable, tenantId: string, cart: Cart, now: Date): Promise<CatalogSnapshot> {
  const productIds = [...new Set(cart.lines.map((l) => l.productId))];
  const [advantageRows, codes] = await readTogether(q, [() => liveAdvantageRows(q, tenantId, productIds, now), () => accessCodeRows(q, tenantId, cart.codes)] as const);
  const promoIds = codes.filter((c) => c.kind === 'promo').map((c) => c.ref);
  const promos = promoIds.length ? await promoRows(q, tenantId, promoIds, now) : [];
  const advantages = advantageRows.map(advantageRuleOf);
  return {
    advantages,
    byProduct: indexByProduct(advantages),
    promoCodes: promos.filter((p) => promoIds.includes(p.id)).map(promoRuleOf),
    accessCodes: new Map(codes.map((c) => [c.code, { kind: c.kind, ref: c.ref }])),
  };
}

/** Everything the evaluation needs beyond the cart: covering advantages, typed codes, target lists. */
export async function loadFacts(q: Queryable, tenantId: string, cart: Cart, catalog: CatalogSnapshot, now: Date): Promise<EvaluationFacts> {
  const advantages = new Set<AdvantageRule>();
  for (const line of cart.lines) for (const a of catalog.byProduct.get(line.productId) ?? []) advantages.add(a);

  const codes = new Map<string, ResolvedCode>();
  const singleUseCandidates: string[] = [];
  const promoIds: string[] = [];
  for (const code of new Set(cart.codes)) {
    const access = catalog.accessCodes.get(code);
    if (!access) singleUseCandidates.push(code);
    else if (access.kind === 'partner') codes.set(code, { kind: 'partner', advantageId: access.ref });
    else {
      codes.set(code, { kind: 'promo', promoCodeId: access.ref });
      promoIds.push(access.ref);
    }
  }
  const promoCodes = catalog.promoCodes.filter((p) => promoIds.includes(p.id));
  const missingPromos = promoIds.filter((id) => !promoCodes.some((p) => p.id === id));

  const contactsTargeted = [...advantages].filter((a) => a.target.type === 'contacts').map((a) => a.id);
  const contact = cart.contact;
  const [singleUse, otherPromos, targeted] = await readTogether(q, [
    () => codeRows(q, tenantId, singleUseCandidates),
    async () => (missingPromos.length ? promoRows(q, tenantId, missingPromos, now) : []),
    async () =>
      !contact || contactsTargeted.length === 0
        ? []
        : catalog.targets
          ? (catalog.targets.byContact.get(contact.contactId) ?? []).map((advantage_id) => ({ advantage_id }))
          : sql<{ advantage_id: string }>(
            q,
            `SELECT advantage_id FROM target_contacts WHERE tenant_id = $1 AND contact_id = $2 AND advantage_id = ANY($3::uuid[])`,
            [tenantId, contact.contactId, contactsTargeted],
          ),
  ] as const);
  for (const c of singleUse) {
    codes.set(c.code, {
      kind: 'single-use',
      advantageId: c.advantage_id,
      state: c.state,
      heldByOrder: c.hold_order_id,
      heldUntil: c.held_until ? c.held_until.getTime() : null,
    });
  }
  return {
    advantages: [...advantages],
    promoCodes: [...promoCodes, ...otherPromos.filter((p) => missingPromos.includes(p.id)).map(promoRuleOf)],
    codes,
    targetedAdvantageIds: new Set(targeted.map((t) => t.advantage_id)),
  };
}
