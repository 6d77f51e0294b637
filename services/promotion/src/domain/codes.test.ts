import { CODE_ALPHABET, CODE_LENGTH, randomCodes } from './codes';
import { distribute } from '@tlp/contracts';
import { mulDivHalfEven } from './money';
import fc from 'fast-check';

describe('single-use code shape', () => {
  it('uses 13 symbols of an alphabet without 0, O, 1, I or L: more than 60 bits', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    expect(new Set(CODE_ALPHABET).size).toBe(CODE_ALPHABET.length);
    expect(CODE_LENGTH * Math.log2(CODE_ALPHABET.length)).toBeGreaterThan(60);
    const codes = randomCodes(20_000);
    for (const c of codes) expect(c).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{13}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });
  it('spreads symbols evenly (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const c of randomCodes(20_000)) for (const ch of c) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const expected = (20_000 * CODE_LENGTH) / CODE_ALPHABET.length;
    for (const ch of CODE_ALPHABET) expect(Math.abs((counts.get(ch) ?? 0) - expected) / expected).toBeLessThan(0.05);
  });
});

describe('money helpers', () => {
  it('rounds half to even', () => {
    expect([mulDivHalfEven(25, 1, 10), mulDivHalfEven(35, 1, 10), mulDivHalfEven(26, 1, 10), mulDivHalfEven(24, 1, 10)]).toEqual([2, 4, 3, 2]);
  });
  it('distributes exactly, within each weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 100_000 }), (weights, wanted) => {
        const amount = Math.min(wanted, weights.reduce((s, w) => s + w, 0));
        const parts = distribute(amount, weights);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(weights.some((w) => w > 0) ? amount : 0);
        parts.forEach((p, i) => expect(p).toBeLessThanOrEqual(weights[i] ?? 0));
      }),
    );
  });
});
