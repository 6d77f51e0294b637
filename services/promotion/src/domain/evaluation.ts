import {
  distribute,
  DomainError,
  type AdvantagePrice,
  type AdvantageState,
  type Cart,
  type CartLine,
  type EndOfSale,
  type Evaluation,
  type NotAppliedReason,
  type ProductFamily,
  type PromoDiscount,
  type Target,
} from '@tlp/contracts';
import { mulDivHalfEven } from './money';

export type Funder = 'organizer' | 'promoter' | 'partner';
export type CodeState = 'available' | 'held' | 'used' | 'invalidated';

/** Times are epoch milliseconds; null bounds are open. Windows are [validFrom, validUntil). */
interface Validity {
  state: AdvantageState;
  channels: string[] | null;
  validFrom: number | null;
  validUntil: number | null;
  endOfSale: EndOfSale;
  fundedBy: Funder;
}

export interface AdvantageRule extends Validity {
  id: string;
  season: string;
  family: ProductFamily;
  target: Target;
  quota: number | null;
  quotaTaken: number;
  prices: AdvantagePrice[];
}

export interface PromoRule extends Validity {
  id: string;
  accessCode: string;
  discount: PromoDiscount;
  minCartAmount: { amountMinor: number; currency: string } | null;
  indicator: { indicator: string; level: string } | null;
  maxUses: number | null;
  usesTaken: number;
}

export type ResolvedCode =
  | { kind: 'partner'; advantageId: string }
  | { kind: 'promo'; promoCodeId: string }
  | { kind: 'single-use'; advantageId: string; state: CodeState; heldByOrder: string | null; heldUntil: number | null };

/** What the evaluation needs to know beyond the cart, loaded by the caller. */
export interface EvaluationFacts {
  /** Advantages that may cover the cart's products (any state). */
  advantages: AdvantageRule[];
  promoCodes: PromoRule[];
  /** Every typed code, normalized, that exists for the tenant. */
  codes: Map<string, ResolvedCode>;
  /** "contacts" advantages whose target list holds the cart's contact. */
  targetedAdvantageIds: Set<string>;
}

type NotApplied = Evaluation['notApplied'][number];

const endOfSaleOf = (rule: EndOfSale, line: CartLine): number | null => {
  if (rule.rule === 'performance-end-of-sales') return line.performanceSalesEndAt ? Date.parse(line.performanceSalesEndAt) : null;
  if (rule.rule === 'performance-start-plus-tolerance') {
    return line.performanceStartsAt ? Date.parse(line.performanceStartsAt) + rule.toleranceMinutes * 60_000 : null;
  }
  return null;
};

/** The first reason a rule's state, channel, window or end-of-sale rule refuses the line, if any. */
function validityRefusal(v: Validity, cart: Cart, line: CartLine | null, now: number): NotAppliedReason | null {
  if (v.state !== 'in-operation') return 'not-in-operation';
  if (v.channels && !v.channels.includes(cart.channel)) return 'channel-not-allowed';
  if (v.validFrom !== null && now < v.validFrom) return 'not-yet-valid';
  if (v.validUntil !== null && now >= v.validUntil) return 'validity-ended';
  if (line) {
    const end = endOfSaleOf(v.endOfSale, line);
    if (end !== null && now >= end) return 'sales-ended';
  }
  return null;
}

/** The most specific price entry for the line: subcategory and seat category matches beat wildcards. */
function priceFor(adv: AdvantageRule, line: CartLine): AdvantagePrice | undefined {
  let best: AdvantagePrice | undefined;
  let bestScore = -1;
  for (const p of adv.prices) {
    if (p.productId !== line.productId) continue;
    if (p.audienceSubcategory !== null && p.audienceSubcategory !== line.audienceSubcategory) continue;
    if (p.seatCategory !== null && p.seatCategory !== line.seatCategory) continue;
    const score = (p.audienceSubcategory !== null ? 2 : 0) + (p.seatCategory !== null ? 1 : 0);
    if (score > bestScore) {
      best = p;
      bestScore = score;
    }
  }
  return best;
}

interface Unlocks {
  /** Advantage id → the code that unlocked it (partner access code or single-use code). */
  partner: Set<string>;
  singleUse: Map<string, string>;
}

function targetRefusal(adv: AdvantageRule, cart: Cart, facts: EvaluationFacts, unlocks: Unlocks): NotAppliedReason | null {
  const t = adv.target;
  switch (t.type) {
    case 'public':
      return null;
    case 'indicator':
      return cart.contact?.indicators[t.indicator] === t.level ? null : 'indicator-level-not-met';
    case 'partner':
      return unlocks.partner.has(adv.id) ? null : 'access-code-required';
    case 'contacts':
      return cart.contact && facts.targetedAdvantageIds.has(adv.id) ? null : 'not-in-target-list';
    case 'single-use-codes':
      return unlocks.singleUse.has(adv.id) ? null : 'single-use-code-required';
  }
}

const codeStateReason: Record<Exclude<CodeState, 'available'>, NotAppliedReason> = {
  held: 'code-held',
  used: 'code-used',
  invalidated: 'code-invalidated',
};

/** A single-use code held by another order counts as available again once its hold expired. */
function singleUseState(code: Extract<ResolvedCode, { kind: 'single-use' }>, now: number, orderId: string | null): CodeState {
  if (code.state !== 'held') return code.state;
  if (orderId !== null && code.heldByOrder === orderId) return 'available';
  return code.heldUntil !== null && code.heldUntil <= now ? 'available' : 'held';
}

export interface EvaluateOptions {
  now: number;
  /** During a hold: the order's own earlier hold on a code does not block it. */
  orderId?: string | null;
}

/**
 * Prices a cart: for each line the cheapest applicable advantage (within its remaining quota),
 * then the typed promo codes in order, each on what is left of the lines. Every advantage that
 * covers a line's product but does not apply, and every typed code that does nothing, is listed
 * with its reason. Pure: the clock and all stored facts come in as arguments.
 */
export function evaluate(cart: Cart, facts: EvaluationFacts, opts: EvaluateOptions): Evaluation {
  const { now } = opts;
  const orderId = opts.orderId ?? null;
  const currencies = new Set(cart.lines.map((l) => l.currency));
  if (currencies.size > 1) {
    throw new DomainError('PROMOTION_MIXED_CURRENCIES', 'Every line of a cart must be in the same currency', { currencies: [...currencies] });
  }
  const currency = cart.lines[0]?.currency ?? 'EUR';
  const notApplied: NotApplied[] = [];

  const unlocks: Unlocks = { partner: new Set(), singleUse: new Map() };
  const typedPromos: PromoRule[] = [];
  const promoById = new Map(facts.promoCodes.map((p) => [p.id, p]));
  for (const code of new Set(cart.codes)) {
    const resolved = facts.codes.get(code);
    const promo = resolved?.kind === 'promo' ? promoById.get(resolved.promoCodeId) : undefined;
    if (!resolved || (resolved.kind === 'promo' && !promo)) {
      throw new DomainError('PROMOTION_CODE_UNKNOWN', `No advantage or promo code has the code ${code}`, { code });
    }
    if (resolved.kind === 'partner') unlocks.partner.add(resolved.advantageId);
    else if (promo) typedPromos.push(promo);
    else if (resolved.kind === 'single-use') {
      const state = singleUseState(resolved, now, orderId);
      if (state !== 'available') notApplied.push({ kind: 'code', ref: code, lineId: null, reason: codeStateReason[state] });
      else if (!unlocks.singleUse.has(resolved.advantageId)) unlocks.singleUse.set(resolved.advantageId, code);
    }
  }

  const quotaLeft = new Map(facts.advantages.map((a) => [a.id, a.quota === null ? Infinity : a.quota - a.quotaTaken]));
  const lines = cart.lines.map((line) => {
    const options: { adv: AdvantageRule; unit: number }[] = [];
    for (const adv of facts.advantages) {
      const price = priceFor(adv, line);
      if (!price) continue;
      const reason =
        validityRefusal(adv, cart, line, now) ??
        (line.season !== undefined && line.season !== adv.season ? 'other-season' : null) ??
        (adv.family !== line.productFamily ? 'other-family' : null) ??
        (price.currency !== line.currency ? 'currency-mismatch' : null) ??
        targetRefusal(adv, cart, facts, unlocks) ??
        (price.priceMinor >= line.unitPriceMinor ? 'no-saving' : null);
      if (reason) notApplied.push({ kind: 'advantage', ref: adv.id, lineId: line.lineId, reason });
      else options.push({ adv, unit: price.priceMinor });
    }
    options.sort((x, y) => x.unit - y.unit || (x.adv.id < y.adv.id ? -1 : 1));
    let chosen: { adv: AdvantageRule; unit: number } | undefined;
    for (const o of options) {
      if (chosen) {
        notApplied.push({ kind: 'advantage', ref: o.adv.id, lineId: line.lineId, reason: 'better-advantage-applied' });
        continue;
      }
      const left = quotaLeft.get(o.adv.id) ?? 0;
      if (left < line.quantity) {
        notApplied.push({ kind: 'advantage', ref: o.adv.id, lineId: line.lineId, reason: 'quota-exhausted' });
        continue;
      }
      quotaLeft.set(o.adv.id, left - line.quantity);
      chosen = o;
    }
    const originalMinor = line.unitPriceMinor * line.quantity;
    const reductions: Evaluation['lines'][number]['reductions'] = [];
    if (chosen) {
      reductions.push({
        source: unlocks.singleUse.has(chosen.adv.id) && chosen.adv.target.type === 'single-use-codes' ? 'single-use-code' : 'advantage',
        ref: chosen.adv.id,
        amountMinor: (line.unitPriceMinor - chosen.unit) * line.quantity,
        fundedBy: chosen.adv.fundedBy,
      });
    }
    return {
      line,
      priced: {
        lineId: line.lineId,
        quantity: line.quantity,
        unitPriceMinor: line.unitPriceMinor,
        originalMinor,
        priceMinor: chosen ? chosen.unit * line.quantity : originalMinor,
        advantageId: chosen?.adv.id ?? null,
        advantageUnitPriceMinor: chosen?.unit ?? null,
        reductions,
      },
    };
  });

  const advantages = new Map<string, Evaluation['advantages'][number]>();
  for (const { priced } of lines) {
    if (!priced.advantageId) continue;
    const entry = advantages.get(priced.advantageId) ?? {
      advantageId: priced.advantageId,
      units: 0,
      lineIds: [],
      singleUseCode: unlocks.singleUse.get(priced.advantageId) ?? null,
    };
    entry.units += priced.quantity;
    entry.lineIds.push(priced.lineId);
    advantages.set(priced.advantageId, entry);
  }
  for (const [advantageId, code] of unlocks.singleUse) {
    if (!advantages.has(advantageId)) notApplied.push({ kind: 'code', ref: code, lineId: null, reason: 'nothing-unlocked' });
  }
  for (const advantageId of unlocks.partner) {
    if (!advantages.has(advantageId)) {
      const code = [...facts.codes].find(([, c]) => c.kind === 'partner' && c.advantageId === advantageId)?.[0] ?? advantageId;
      notApplied.push({ kind: 'code', ref: code, lineId: null, reason: 'nothing-unlocked' });
    }
  }

  const subtotal = lines.reduce((s, l) => s + l.priced.priceMinor, 0);
  const promoCodes: Evaluation['promoCodes'] = [];
  for (const promo of typedPromos) {
    const refuse = (reason: NotAppliedReason) => notApplied.push({ kind: 'promo-code', ref: promo.id, lineId: null, reason });
    const reason =
      validityRefusal(promo, cart, null, now) ??
      (promo.maxUses !== null && promo.usesTaken >= promo.maxUses ? 'uses-exhausted' : null) ??
      (promo.indicator && cart.contact?.indicators[promo.indicator.indicator] !== promo.indicator.level ? 'indicator-level-not-met' : null) ??
      ((promo.discount.kind === 'fixed' && promo.discount.amount.currency !== currency) ||
      (promo.minCartAmount && promo.minCartAmount.currency !== currency)
        ? 'currency-mismatch'
        : null) ??
      (promo.minCartAmount && subtotal < promo.minCartAmount.amountMinor ? 'min-cart-not-reached' : null);
    if (reason) {
      refuse(reason);
      continue;
    }
    const eligible = lines.filter((l) => {
      const end = endOfSaleOf(promo.endOfSale, l.line);
      return (end === null || now < end) && l.priced.priceMinor > 0;
    });
    if (eligible.length === 0) {
      refuse('no-eligible-line');
      continue;
    }
    const current = eligible.map((l) => l.priced.priceMinor);
    const d = promo.discount;
    const parts =
      d.kind === 'percent'
        ? current.map((c) => mulDivHalfEven(c, d.basisPoints, 10_000))
        : distribute(Math.min(d.amount.amountMinor, current.reduce((s, c) => s + c, 0)), current);
    let total = 0;
    eligible.forEach((l, i) => {
      const amount = Math.min(parts[i] ?? 0, l.priced.priceMinor);
      if (amount === 0) return;
      l.priced.priceMinor -= amount;
      l.priced.reductions.push({ source: 'promo-code', ref: promo.id, amountMinor: amount, fundedBy: promo.fundedBy });
      total += amount;
    });
    promoCodes.push({ promoCodeId: promo.id, accessCode: promo.accessCode, amountMinor: total, fundedBy: promo.fundedBy });
  }

  const priced = lines.map((l) => l.priced);
  return {
    currency,
    lines: priced,
    totalBeforeMinor: priced.reduce((s, l) => s + l.originalMinor, 0),
    totalMinor: priced.reduce((s, l) => s + l.priceMinor, 0),
    advantages: [...advantages.values()],
    promoCodes,
    notApplied,
  };
}
