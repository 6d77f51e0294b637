/**
 * The web app's pure rules, run by jest in node: money from minor units, points in the
 * program's wording, what tiers count, token claims, and the sentence shown for each problem.
 */
import { errorCatalog } from '@tlp/contracts';
import fc from 'fast-check';
import { decimalString, formatMoney, parseMinor } from '../../services/web/src/app/money';
import { formatPoints, wordingFor } from '../../services/web/src/app/points';
import { formatCount } from '../../services/web/src/app/tiers';
import { canUseBackOffice, canUseFanPages, isExpired, readClaims } from '../../services/web/src/app/claims';
import { fieldIssues, hasOwnWording, notAppliedMessage, problemMessage, toProblem } from '../../services/web/src/app/api/problem';

const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('money', () => {
  it('shows integer minor units with the currency, exactly, for 2-, 0- and 3-digit currencies', () => {
    expect(formatMoney({ amountMinor: 12345, currency: 'EUR' }, 'en')).toBe('€123.45');
    expect(formatMoney({ amountMinor: 5, currency: 'GBP' }, 'en')).toBe('£0.05');
    expect(formatMoney({ amountMinor: 1200, currency: 'JPY' }, 'en')).toBe('¥1,200');
    expect(formatMoney({ amountMinor: 1001, currency: 'KWD' }, 'en')).toMatch(/1\.001/);
    expect(formatMoney({ amountMinor: 8000, currency: 'CHF' }, 'fr-CH')).toMatch(/80\.00/);
  });

  it('round-trips any amount through its decimal string without float drift', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), fc.constantFrom('EUR', 'JPY', 'KWD'), (minor, currency) => {
        expect(parseMinor(decimalString(minor, currency), currency)).toBe(minor);
      }),
    );
  });

  it('refuses text that is not an amount, or has more digits than the currency', () => {
    expect(parseMinor('12.345', 'EUR')).toBeUndefined();
    expect(parseMinor('abc', 'EUR')).toBeUndefined();
    expect(parseMinor('-3', 'EUR')).toBeUndefined();
    expect(parseMinor('12,5', 'EUR')).toBe(1250);
    expect(() => decimalString(1.5, 'EUR')).toThrow(RangeError);
  });
});

describe('points', () => {
  it("uses the program's own wording for the reader's language, then English", () => {
    const wording = { en: 'stars', fr: 'étoiles' };
    expect(formatPoints(1250, wording, 'fr-FR')).toBe('1\u202f250 étoiles');
    expect(formatPoints(1250, wording, 'de')).toBe('1.250 stars');
    expect(wordingFor({ fr: 'étoiles' }, 'en')).toBe('étoiles');
    expect(wordingFor(undefined, 'en')).toBe('points');
  });

  it('says 1 star and 2 stars when the program gives the singular and the plural, by the rules of the language worded', () => {
    const wording = { en: { one: 'star', other: 'stars' }, fr: { one: 'étoile', other: 'étoiles' } };
    expect([0, 1, 2, 1250].map((n) => formatPoints(n, wording, 'en-GB'))).toEqual(['0 stars', '1 star', '2 stars', '1,250 stars']);
    expect([0, 1, 2].map((n) => formatPoints(n, wording, 'fr-FR'))).toEqual(['0 étoile', '1 étoile', '2 étoiles']);
    expect(formatPoints(1, wording, 'de')).toBe('1 star');
    expect(wordingFor(wording, 'en')).toBe('stars');
    // One word serves for both; with no wording at all, plain points.
    expect(formatPoints(1, { en: 'stars' }, 'en')).toBe('1 stars');
    expect([1, 3].map((n) => formatPoints(n, undefined, 'en'))).toEqual(['1 point', '3 points']);
  });
});

describe('tier counts', () => {
  it('says 1 ticket, 1 event, 1 day to go and from 1 ticket, and the plural for any other number', () => {
    expect([0, 1, 2, 1250].map((n) => formatCount(n, 'tickets-purchased', 'en-GB'))).toEqual(['0 tickets', '1 ticket', '2 tickets', '1,250 tickets']);
    expect([1, 3].map((n) => formatCount(n, 'events-attended', 'en'))).toEqual(['1 event', '3 events']);
    expect([1, 30].map((n) => formatCount(n, 'membership-days', 'en'))).toEqual(['1 day', '30 days']);
  });

  it("writes the number as the reader's locale does, and picks the English word by English rules: 0 tickets, even in French", () => {
    expect([0, 1, 1250].map((n) => formatCount(n, 'tickets-purchased', 'fr-FR'))).toEqual(['0 tickets', '1 ticket', '1\u202f250 tickets']);
  });
});

describe('plural rules', () => {
  it('are built once per language (and currency), not once per number shown', () => {
    const wording = { pl: { one: 'gwiazdka', other: 'gwiazdek' } };
    const show = () =>
      [0, 1, 2, 5, 22].flatMap((n) => [
        formatPoints(n, wording, 'pl'),
        formatPoints(n, undefined, 'en'),
        formatCount(n, 'tickets-purchased', 'pl'),
        formatMoney({ amountMinor: n * 101, currency: 'EUR' }, 'fr'),
        formatMoney({ amountMinor: n, currency: 'JPY' }, 'en'),
      ]);
    const first = show();
    // Intl's constructors swapped for ones that count what they build (read-only to TypeScript, not to the runtime).
    let built = 0;
    const counted = (name: 'PluralRules' | 'NumberFormat') => {
      const Built = Intl[name] as unknown as new (...args: unknown[]) => object;
      Object.defineProperty(Intl, name, {
        value: class extends Built {
          constructor(...args: unknown[]) {
            super(...args);
            built++;
          }
        },
      });
      return () => Object.defineProperty(Intl, name, { value: Built });
    };
    const restore = [counted('PluralRules'), counted('NumberFormat')];
    try {
      expect(show()).toEqual(first);
    } finally {
      for (const undo of restore) undo();
    }
    expect(built).toBe(0);
  });
});

describe('token claims', () => {
  it('reads sub, tenant, roles and contactId, and tells the areas each role reaches', () => {
    const fan = readClaims(jwt({ sub: 'c-1', tenant: 'demo', roles: ['fan'], contactId: 'c-1', exp: 10 }));
    expect(fan).toEqual({ sub: 'c-1', tenant: 'demo', roles: ['fan'], contactId: 'c-1', exp: 10 });
    expect(canUseFanPages(fan)).toBe(true);
    expect(canUseBackOffice(fan)).toBe(false);
    expect(isExpired(fan, 10_000)).toBe(true);
    expect(isExpired(fan, 9_999)).toBe(false);
    const operator = readClaims(jwt({ sub: 'o', tenant: 'demo', roles: ['operator'] }));
    expect(canUseBackOffice(operator)).toBe(true);
    expect(canUseFanPages(operator)).toBe(false);
  });

  it('refuses what is not a token or lacks the claims, with a reason', () => {
    expect(() => readClaims('abc')).toThrow('three parts');
    expect(() => readClaims(jwt({ sub: 'x', roles: ['fan'] }))).toThrow('tenant');
    expect(() => readClaims(jwt({ sub: 'x', tenant: 't', roles: ['guest'] }))).toThrow('none of the roles');
  });
});

describe('problem messages', () => {
  it('says plainly what an expired code, missing points and an unavailable partner mean', () => {
    expect(problemMessage({ code: 'PROMO_CODE_EXPIRED', title: 'Gone' })).toMatch(/code has expired/);
    expect(problemMessage({ code: 'LOYALTY_INSUFFICIENT_POINTS', title: 'x' })).toMatch(/Not enough points/);
    expect(problemMessage({ code: 'PARTNER_UNAVAILABLE', title: 'x' })).toMatch(/partner is unavailable/);
    expect(problemMessage({ code: 'RATE_LIMITED', title: 'x' })).toMatch(/Too many attempts/);
    expect(problemMessage({ code: 'VOUCHER_EXPIRED', title: 'x' })).toMatch(/expired/);
    expect(problemMessage({ code: 'PROMOTION_CODE_NOT_AVAILABLE', title: 'x' })).toMatch(/expired, was already used or was invalidated/);
    expect(problemMessage({ code: 'PARTNER_POINTS_INSUFFICIENT', title: 'x' })).toMatch(/Not enough points/);
    expect(problemMessage({ code: 'PARTNER_HOLD_EXPIRED', title: 'x' })).toMatch(/took too long/);
  });

  it('has a sentence of its own for every stable code the API can return', () => {
    expect(Object.keys(errorCatalog).filter((code) => !hasOwnWording(code))).toEqual([]);
    expect(problemMessage({ code: 'PROMOTION_FIELD_LOCKED', title: 'x' })).toMatch(/can no longer change/);
    expect(problemMessage({ code: 'PROMOTION_QUOTA_BELOW_TAKEN', title: 'x' })).toMatch(/cannot be lower than what is already sold/);
  });

  it('says the loyalty partner is unavailable when a checkout could not hold its points, and names the failing part otherwise', () => {
    const partnerDown = { code: 'CHECKOUT_HOLD_FAILED', title: 'x', details: { step: 'partner-points', code: 'UNAVAILABLE', message: 'R4R is unavailable' } };
    expect(problemMessage(partnerDown)).toMatch(/loyalty partner is unavailable/);
    expect(problemMessage({ code: 'UNAVAILABLE', title: 'x', details: { partnerId: 'p' } })).toMatch(/loyalty partner is unavailable/);
    expect(problemMessage({ code: 'CHECKOUT_HOLD_FAILED', title: 'x', details: { step: 'loyalty-points', code: 'INSUFFICIENT_POINTS' } })).toMatch(/Not enough points/);
    expect(problemMessage({ code: 'CHECKOUT_HOLD_FAILED', title: 'x', details: { step: 'x', code: 'SOMETHING_NEW' } })).toMatch(/could not be set aside/);
  });

  it('says why a typed code did nothing, for the reasons the promotion service gives, and a plain sentence for any other', () => {
    expect(notAppliedMessage('validity-ended')).toMatch(/code has expired/);
    expect(notAppliedMessage('code-used')).toMatch(/already been used/);
    expect(notAppliedMessage('min-cart-not-reached')).toMatch(/minimum amount/);
    expect(notAppliedMessage('a-reason-added-later')).toMatch(/does not apply to anything in this order/);
  });

  it("falls back to the gateway's detail for a code it does not know", () => {
    expect(problemMessage({ code: 'RENEWAL_SEAT_TAKEN', title: 'Taken', detail: 'Seat A-12 is taken' })).toBe('Seat A-12 is taken');
  });

  it('turns any failed response into a problem with a code, and lists field issues', () => {
    expect(toProblem(502, undefined, 'Bad Gateway')).toMatchObject({ status: 502, code: 'UNAVAILABLE' });
    const p = toProblem(400, { code: 'VALIDATION_FAILED', title: 't', detail: 'd', details: { issues: [{ in: 'body', path: 'quota', message: 'Too small' }] } }, '');
    expect(fieldIssues(p)).toEqual({ quota: 'Too small' });
  });
});
