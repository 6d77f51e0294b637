import { PointsWording } from './common';
import { pointsCount, pointsWord, pointsWordForms } from './wording';

describe('points wording', () => {
  const stars = { en: { one: 'star', other: 'stars' }, fr: { one: 'étoile', other: 'étoiles' } };

  it('accepts one word per language, as programs were first worded, or the singular and the plural, and refuses half a pair or no language', () => {
    expect(PointsWording.parse({ en: 'points' })).toEqual({ en: 'points' });
    expect(PointsWording.parse(stars)).toEqual(stars);
    expect(PointsWording.parse({ en: { one: 'star', other: 'stars' }, fr: 'étoiles' })).toEqual({ en: { one: 'star', other: 'stars' }, fr: 'étoiles' });
    for (const bad of [{}, { en: { one: 'star' } }, { en: { one: '', other: 'stars' } }, { en: '' }, { en: { one: 'star', other: 'stars', few: 'stars' } }, { EN: 'stars' }]) {
      expect(PointsWording.safeParse(bad).success).toBe(false);
    }
  });

  it('asks for at least one language rather than taking a wording with no word at all', () => {
    expect(PointsWording.safeParse({}).error?.issues).toEqual([expect.objectContaining({ path: [], message: 'Name the points in at least one language' })]);
  });

  it('says to give both forms, or one word, when a language has only one of the two', () => {
    const both = 'Give both the singular (one) and the plural (other), or a single word';
    for (const half of [{ en: { one: 'star' } }, { en: { other: 'stars' } }]) {
      expect(PointsWording.safeParse(half).error?.issues).toEqual([expect.objectContaining({ path: ['en'], message: both })]);
    }
    // A form given but empty still names that form.
    expect(PointsWording.safeParse({ en: { one: '', other: 'stars' } }).error?.issues).toEqual([expect.objectContaining({ path: ['en', 'one'], code: 'too_small' })]);
  });

  it('gives the form a number takes by the rules of the language worded: 1 star, 0 stars, but 0 étoile', () => {
    expect([0, 1, 2, 1000].map((n) => pointsWord(stars, n))).toEqual(['stars', 'star', 'stars', 'stars']);
    expect([0, 1, 2].map((n) => pointsWord(stars, n, 'fr-BE'))).toEqual(['étoile', 'étoile', 'étoiles']);
    // A reader whose language is not worded gets English, by English rules.
    expect(pointsWord(stars, 1, 'de')).toBe('star');
    expect(pointsWord({ fr: { one: 'étoile', other: 'étoiles' } }, 0, 'de')).toBe('étoile');
  });

  it('uses one word for both forms, and "point" / "points" when nothing is worded', () => {
    expect([1, 2].map((n) => pointsWord({ en: 'stars' }, n))).toEqual(['stars', 'stars']);
    expect(pointsWordForms({ 'fr-BE': 'étoiles' }, 'fr-BE')).toEqual({ language: 'fr-BE', one: 'étoiles', other: 'étoiles' });
    expect(pointsWordForms({})).toEqual({ language: 'en', one: 'point', other: 'points' });
  });

  it('writes a number of points with its word for messages: 1 star, 2 stars, and 1 point, 2 points unworded', () => {
    expect([0, 1, 2, 1250].map((n) => pointsCount(stars, n))).toEqual(['0 stars', '1 star', '2 stars', '1250 stars']);
    expect(pointsCount(stars, 0, 'fr')).toBe('0 étoile');
    expect([1, 2].map((n) => pointsCount({}, n))).toEqual(['1 point', '2 points']);
  });
});
