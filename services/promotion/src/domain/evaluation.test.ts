import { Cart, DomainError, type Target } from '@tlp/contracts';
import fc from 'fast-check';
import { evaluate, type AdvantageRule, type EvaluationFacts, type PromoRule, type ResolvedCode } from './evaluation';

const T0 = Date.parse('2026-03-01T18:00:00Z');
const SEC = 1000;

const advantage = (over: Partial<AdvantageRule> = {}): AdvantageRule => ({
  id: '00000000-0000-7000-8000-000000000001',
  season: '2025-2026',
  family: 'event',
  state: 'in-operation',
  target: { type: 'public' },
  channels: null,
  validFrom: null,
  validUntil: null,
  endOfSale: { rule: 'no-limit' },
  quota: null,
  quotaTaken: 0,
  fundedBy: 'organizer',
  prices: [{ productId: 'concert', audienceSubcategory: null, seatCategory: null, priceMinor: 6000, currency: 'EUR' }],
  ...over,
});

const promo = (over: Partial<PromoRule> = {}): PromoRule => ({
  id: '00000000-0000-7000-8000-0000000000aa',
  accessCode: 'COUPON3%',
  state: 'in-operation',
  discount: { kind: 'percent', basisPoints: 300 },
  minCartAmount: null,
  indicator: null,
  channels: null,
  validFrom: null,
  validUntil: null,
  endOfSale: { rule: 'no-limit' },
  maxUses: null,
  usesTaken: 0,
  fundedBy: 'promoter',
  ...over,
});

const line = (over: Record<string, unknown> = {}) => ({
  lineId: 'l1',
  productId: 'concert',
  productFamily: 'event',
  performanceId: 'perf-1',
  unitPriceMinor: 8000,
  currency: 'EUR',
  quantity: 1,
  ...over,
});

const cart = (over: Record<string, unknown> = {}) => Cart.parse({ channel: 'web', lines: [line()], ...over });

const facts = (over: Partial<EvaluationFacts> = {}): EvaluationFacts => ({
  advantages: [advantage()],
  promoCodes: [],
  codes: new Map(),
  targetedAdvantageIds: new Set(),
  ...over,
});

const priceAt = (c: ReturnType<typeof cart>, f: EvaluationFacts, now: number) => evaluate(c, f, { now }).lines[0]?.priceMinor;
const reasonsAt = (c: ReturnType<typeof cart>, f: EvaluationFacts, now: number) => evaluate(c, f, { now }).notApplied.map((n) => n.reason);

describe('advantage validity window [from, until)', () => {
  const f = facts({ advantages: [advantage({ validFrom: T0, validUntil: T0 + 3600 * SEC })] });
  it('does not apply one second before it opens', () => {
    expect(priceAt(cart(), f, T0 - SEC)).toBe(8000);
    expect(reasonsAt(cart(), f, T0 - SEC)).toEqual(['not-yet-valid']);
  });
  it('applies at the opening instant and one second after', () => {
    expect(priceAt(cart(), f, T0)).toBe(6000);
    expect(priceAt(cart(), f, T0 + SEC)).toBe(6000);
  });
  it('applies one second before it closes, not at or after the closing instant', () => {
    expect(priceAt(cart(), f, T0 + 3599 * SEC)).toBe(6000);
    expect(reasonsAt(cart(), f, T0 + 3600 * SEC)).toEqual(['validity-ended']);
    expect(reasonsAt(cart(), f, T0 + 3601 * SEC)).toEqual(['validity-ended']);
  });
});

describe('end-of-sale rules', () => {
  const salesEnd = T0;
  const start = T0 + 3600 * SEC;
  const c = cart({ lines: [line({ performanceSalesEndAt: new Date(salesEnd).toISOString(), performanceStartsAt: new Date(start).toISOString() })] });

  it("performance's end of sales: applies until one second before, not at or after", () => {
    const f = facts({ advantages: [advantage({ endOfSale: { rule: 'performance-end-of-sales' } })] });
    expect(priceAt(c, f, salesEnd - SEC)).toBe(6000);
    expect(reasonsAt(c, f, salesEnd)).toEqual(['sales-ended']);
    expect(reasonsAt(c, f, salesEnd + SEC)).toEqual(['sales-ended']);
  });
  it('performance start plus tolerance: applies until one second before start + tolerance', () => {
    const f = facts({ advantages: [advantage({ endOfSale: { rule: 'performance-start-plus-tolerance', toleranceMinutes: 30 } })] });
    const limit = start + 30 * 60 * SEC;
    expect(priceAt(c, f, limit - SEC)).toBe(6000);
    expect(reasonsAt(c, f, limit)).toEqual(['sales-ended']);
    expect(reasonsAt(c, f, limit + SEC)).toEqual(['sales-ended']);
  });
  it('no limit: still applies after the performance started', () => {
    const f = facts({ advantages: [advantage({ endOfSale: { rule: 'no-limit' } })] });
    expect(priceAt(c, f, start + 86_400 * SEC)).toBe(6000);
  });
  it('a promo code follows its own end-of-sale rule per line', () => {
    const f = facts({
      advantages: [],
      promoCodes: [promo({ endOfSale: { rule: 'performance-end-of-sales' } })],
      codes: new Map([['COUPON3%', { kind: 'promo', promoCodeId: promo().id }]]),
    });
    const typed = cart({ ...c, lines: c.lines, codes: ['coupon3%'] });
    expect(priceAt(typed, f, salesEnd - SEC)).toBe(8000 - 240);
    expect(reasonsAt(typed, f, salesEnd)).toEqual(['no-eligible-line']);
    expect(reasonsAt(typed, f, salesEnd + SEC)).toEqual(['no-eligible-line']);
  });
});

describe('target types', () => {
  const withTarget = (target: Target) => facts({ advantages: [advantage({ target })] });

  it('public: anyone, with or without a contact', () => {
    expect(priceAt(cart(), withTarget({ type: 'public' }), T0)).toBe(6000);
  });

  it('indicator: only contacts at the chosen level, including ones who reached it after the advantage went live', () => {
    const f = withTarget({ type: 'indicator', indicator: 'attendance', level: 'regular' });
    const before = cart({ contact: { contactId: 'c1', indicators: { attendance: 'occasional' } } });
    expect(reasonsAt(before, f, T0)).toEqual(['indicator-level-not-met']);
    expect(reasonsAt(cart(), f, T0)).toEqual(['indicator-level-not-met']);
    const later = cart({ contact: { contactId: 'c1', indicators: { attendance: 'regular' } } });
    expect(priceAt(later, f, T0 + 86_400 * SEC)).toBe(6000);
  });

  it('partner: only with the shared access code', () => {
    const f = { ...withTarget({ type: 'partner', accessCode: 'RUGBY25' }), codes: new Map<string, ResolvedCode>([['RUGBY25', { kind: 'partner', advantageId: advantage().id }]]) };
    expect(reasonsAt(cart(), f, T0)).toEqual(['access-code-required']);
    expect(priceAt(cart({ codes: ['rugby-25'] }), f, T0)).toBe(6000);
  });

  it('contacts: only contacts on the target list', () => {
    const f = withTarget({ type: 'contacts' });
    const c = cart({ contact: { contactId: 'c1' } });
    expect(reasonsAt(c, f, T0)).toEqual(['not-in-target-list']);
    expect(priceAt(c, { ...f, targetedAdvantageIds: new Set([advantage().id]) }, T0)).toBe(6000);
    expect(reasonsAt(cart(), { ...f, targetedAdvantageIds: new Set([advantage().id]) }, T0)).toEqual(['not-in-target-list']);
  });

  it('single-use codes: only with an available code; a used, invalidated or held one is explained', () => {
    const f = withTarget({ type: 'single-use-codes' });
    const code = (state: 'available' | 'used' | 'invalidated' | 'held', heldUntil: number | null = null) =>
      new Map<string, ResolvedCode>([['ABCDEFGHJKMNP', { kind: 'single-use', advantageId: advantage().id, state, heldByOrder: 'o1', heldUntil }]]);
    const typed = cart({ codes: ['abcd-efgh-jkmnp'] });
    expect(reasonsAt(cart(), f, T0)).toEqual(['single-use-code-required']);
    const applied = evaluate(typed, { ...f, codes: code('available') }, { now: T0 });
    expect(applied.lines[0]?.priceMinor).toBe(6000);
    expect(applied.lines[0]?.reductions[0]?.source).toBe('single-use-code');
    expect(applied.advantages[0]?.singleUseCode).toBe('ABCDEFGHJKMNP');
    expect(reasonsAt(typed, { ...f, codes: code('used') }, T0)).toContain('code-used');
    expect(reasonsAt(typed, { ...f, codes: code('invalidated') }, T0)).toContain('code-invalidated');
    expect(reasonsAt(typed, { ...f, codes: code('held', T0 + SEC) }, T0)).toContain('code-held');
    expect(priceAt(typed, { ...f, codes: code('held', T0) }, T0)).toBe(6000);
    expect(evaluate(typed, { ...f, codes: code('held', T0 + SEC) }, { now: T0, orderId: 'o1' }).lines[0]?.priceMinor).toBe(6000);
  });
});

describe('which advantage applies', () => {
  it('takes the cheapest, explains the others, and honours seat category and audience prices', () => {
    const cheap = advantage({
      id: '00000000-0000-7000-8000-000000000002',
      prices: [
        { productId: 'concert', audienceSubcategory: 'child', seatCategory: null, priceMinor: 3000, currency: 'EUR' },
        { productId: 'concert', audienceSubcategory: null, seatCategory: 'cat1', priceMinor: 5000, currency: 'EUR' },
      ],
    });
    const f = facts({ advantages: [advantage(), cheap] });
    const child = evaluate(cart({ lines: [line({ audienceSubcategory: 'child' })] }), f, { now: T0 });
    expect(child.lines[0]?.advantageId).toBe(cheap.id);
    expect(child.lines[0]?.priceMinor).toBe(3000);
    expect(child.notApplied).toEqual([{ kind: 'advantage', ref: advantage().id, lineId: 'l1', reason: 'better-advantage-applied' }]);
    expect(evaluate(cart({ lines: [line({ seatCategory: 'cat1' })] }), f, { now: T0 }).lines[0]?.priceMinor).toBe(5000);
    expect(evaluate(cart({ lines: [line({ seatCategory: 'cat2' })] }), f, { now: T0 }).lines[0]?.priceMinor).toBe(6000);
  });

  it('refuses other channels, families, seasons, states, currencies and no-saving prices with reasons', () => {
    const cases: [Partial<AdvantageRule>, Record<string, unknown>, string][] = [
      [{ channels: ['box-office'] }, {}, 'channel-not-allowed'],
      [{ family: 'visit' }, {}, 'other-family'],
      [{ season: '2024-2025' }, { season: '2025-2026' }, 'other-season'],
      [{ state: 'draft' }, {}, 'not-in-operation'],
      [{ state: 'closed' }, {}, 'not-in-operation'],
      [{}, { unitPriceMinor: 6000 }, 'no-saving'],
      [{}, { currency: 'CHF' }, 'currency-mismatch'],
    ];
    for (const [adv, l, reason] of cases) {
      expect(reasonsAt(cart({ lines: [line(l)] }), facts({ advantages: [advantage(adv)] }), T0)).toEqual([reason]);
    }
  });

  it('never uses more of the quota than is left, line by line', () => {
    const f = facts({ advantages: [advantage({ quota: 5, quotaTaken: 2 })] });
    const e = evaluate(cart({ lines: [line({ quantity: 2 }), line({ lineId: 'l2', quantity: 2 })] }), f, { now: T0 });
    expect(e.lines.map((l) => l.advantageId !== null)).toEqual([true, false]);
    expect(e.notApplied).toEqual([{ kind: 'advantage', ref: advantage().id, lineId: 'l2', reason: 'quota-exhausted' }]);
    expect(e.advantages).toEqual([{ advantageId: advantage().id, units: 2, lineIds: ['l1'], singleUseCode: null }]);
  });
});

describe('promo codes', () => {
  const typed = (p: PromoRule, over: Record<string, unknown> = {}) => ({
    c: cart({ codes: [p.accessCode], ...over }),
    f: facts({ advantages: [], promoCodes: [p], codes: new Map([[p.accessCode, { kind: 'promo', promoCodeId: p.id }]]) }),
  });

  it('takes a percentage off each line, rounded half-even, funded as configured', () => {
    const { c, f } = typed(promo({ discount: { kind: 'percent', basisPoints: 2500 } }), {
      lines: [line({ unitPriceMinor: 10 }), line({ lineId: 'l2', unitPriceMinor: 30 }), line({ lineId: 'l3', unitPriceMinor: 2 })],
    });
    const e = evaluate(c, f, { now: T0 });
    // 2.5 → 2, 7.5 → 8, 0.5 → 0: half to even
    expect(e.lines.map((l) => l.originalMinor - l.priceMinor)).toEqual([2, 8, 0]);
    expect(e.lines[0]?.reductions).toEqual([{ source: 'promo-code', ref: promo().id, amountMinor: 2, fundedBy: 'promoter' }]);
  });

  it('spreads a fixed amount over the lines and never below zero', () => {
    const { c, f } = typed(promo({ discount: { kind: 'fixed', amount: { amountMinor: 10_000, currency: 'EUR' } } }));
    const e = evaluate(c, f, { now: T0 });
    expect(e.totalMinor).toBe(0);
    expect(e.promoCodes[0]?.amountMinor).toBe(8000);
  });

  it('checks minimum cart amount, indicator level, uses left, channel and window, with reasons', () => {
    const checks: [Partial<PromoRule>, Record<string, unknown>, string][] = [
      [{ minCartAmount: { amountMinor: 8001, currency: 'EUR' } }, {}, 'min-cart-not-reached'],
      [{ indicator: { indicator: 'attendance', level: 'regular' } }, {}, 'indicator-level-not-met'],
      [{ maxUses: 3, usesTaken: 3 }, {}, 'uses-exhausted'],
      [{ channels: ['box-office'] }, {}, 'channel-not-allowed'],
      [{ validUntil: T0 }, {}, 'validity-ended'],
      [{ validFrom: T0 + SEC }, {}, 'not-yet-valid'],
      [{ discount: { kind: 'fixed', amount: { amountMinor: 100, currency: 'CHF' } } }, {}, 'currency-mismatch'],
    ];
    for (const [p, over, reason] of checks) {
      const { c, f } = typed(promo(p), over);
      expect(reasonsAt(c, f, T0)).toEqual([reason]);
    }
    const { c, f } = typed(promo({ minCartAmount: { amountMinor: 8000, currency: 'EUR' }, validFrom: T0 }));
    expect(priceAt(c, f, T0)).toBe(8000 - 240);
  });

  it('applies within its window [from, until): not one second before it opens, at and after the opening, one second before the close, not at or after it', () => {
    const { c, f } = typed(promo({ validFrom: T0, validUntil: T0 + 3600 * SEC }));
    const discounted = 8000 - 240;
    expect(reasonsAt(c, f, T0 - SEC)).toEqual(['not-yet-valid']);
    expect(priceAt(c, f, T0)).toBe(discounted);
    expect(priceAt(c, f, T0 + SEC)).toBe(discounted);
    expect(priceAt(c, f, T0 + 3599 * SEC)).toBe(discounted);
    expect(reasonsAt(c, f, T0 + 3600 * SEC)).toEqual(['validity-ended']);
    expect(reasonsAt(c, f, T0 + 3601 * SEC)).toEqual(['validity-ended']);
  });

  it('start plus tolerance per line: one second before the limit applies, at and after it does not', () => {
    const start = T0 + 3600 * SEC;
    const limit = start + 15 * 60 * SEC;
    const { c, f } = typed(promo({ endOfSale: { rule: 'performance-start-plus-tolerance', toleranceMinutes: 15 } }), {
      lines: [line({ performanceStartsAt: new Date(start).toISOString() })],
    });
    expect(priceAt(c, f, limit - SEC)).toBe(8000 - 240);
    expect(reasonsAt(c, f, limit)).toEqual(['no-eligible-line']);
    expect(reasonsAt(c, f, limit + SEC)).toEqual(['no-eligible-line']);
  });

  it('applies on what the advantage left (min cart judged after advantages)', () => {
    const p = promo({ minCartAmount: { amountMinor: 7000, currency: 'EUR' } });
    const f = facts({ promoCodes: [p], codes: new Map([[p.accessCode, { kind: 'promo', promoCodeId: p.id }]]) });
    expect(reasonsAt(cart({ codes: [p.accessCode] }), f, T0)).toEqual(['min-cart-not-reached']);
  });
});

describe('bad carts', () => {
  it('refuses mixed currencies and unknown codes with typed errors', () => {
    const mixed = cart({ lines: [line(), line({ lineId: 'l2', currency: 'CHF' })] });
    expect(() => evaluate(mixed, facts(), { now: T0 })).toThrow(expect.objectContaining({ code: 'PROMOTION_MIXED_CURRENCIES' }));
    expect(() => evaluate(cart({ codes: ['NOPE123'] }), facts(), { now: T0 })).toThrow(DomainError);
  });
  it('refuses a negative price at the contract', () => {
    expect(Cart.safeParse({ channel: 'web', lines: [line({ unitPriceMinor: -1 })] }).success).toBe(false);
  });
});

describe('pricing invariants', () => {
  const lineArb = fc.record({ unitPriceMinor: fc.integer({ min: 0, max: 100_000 }), quantity: fc.integer({ min: 1, max: 5 }) });
  const discountArb = fc.oneof(
    fc.record({ kind: fc.constant('percent' as const), basisPoints: fc.integer({ min: 1, max: 10_000 }) }),
    fc.record({ kind: fc.constant('fixed' as const), amount: fc.record({ amountMinor: fc.integer({ min: 1, max: 500_000 }), currency: fc.constant('EUR') }) }),
  );
  it('lines never go below zero and the reductions add up to the difference', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 100_000 }), discountArb, (lines, special, discount) => {
        const p = promo({ discount });
        const c = cart({ codes: [p.accessCode], lines: lines.map((l, i) => line({ ...l, lineId: `l${i}` })) });
        const f = facts({
          advantages: [advantage({ prices: [{ productId: 'concert', audienceSubcategory: null, seatCategory: null, priceMinor: special, currency: 'EUR' }] })],
          promoCodes: [p],
          codes: new Map([[p.accessCode, { kind: 'promo', promoCodeId: p.id }]]),
        });
        const e = evaluate(c, f, { now: T0 });
        for (const l of e.lines) {
          expect(l.priceMinor).toBeGreaterThanOrEqual(0);
          expect(l.priceMinor).toBeLessThanOrEqual(l.originalMinor);
          expect(l.reductions.reduce((s, r) => s + r.amountMinor, 0)).toBe(l.originalMinor - l.priceMinor);
        }
        expect(e.totalMinor).toBe(e.lines.reduce((s, l) => s + l.priceMinor, 0));
        if (discount.kind === 'fixed') {
          const beforePromo = e.lines.reduce((s, l) => s + (l.advantageUnitPriceMinor ?? l.unitPriceMinor) * l.quantity, 0);
          expect(beforePromo - e.totalMinor).toBe(Math.min(discount.amount.amountMinor, beforePromo));
        }
      }),
    );
  });
});
