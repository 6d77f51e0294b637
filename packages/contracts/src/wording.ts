/** Words for points that several services share (services/web/src/app/points.ts mirrors them). */
import type { PointsWording } from './common';

/**
 * The singular and the plural of what points are called in `locale`, else in its language, else
 * in English, else in the first language given ("point" and "points" when nothing is); one word
 * serves as both. `language` is the one worded, whose plural rules apply.
 */
export function pointsWordForms(wording: PointsWording, locale = 'en'): { language: string; one: string; other: string } {
  const language = [locale, locale.split('-')[0] ?? locale, 'en'].find((l) => wording[l] !== undefined) ?? Object.keys(wording)[0];
  const word = language === undefined ? undefined : wording[language];
  if (language === undefined || word === undefined) return { language: 'en', one: 'point', other: 'points' };
  return typeof word === 'string' ? { language, one: word, other: word } : { language, ...word };
}

/** Plural rules by language: building one costs more than a whole quote's arithmetic. */
const pluralRules = new Map<string, Intl.PluralRules>();
function pluralOf(language: string, count: number): string {
  let rules = pluralRules.get(language);
  if (!rules) {
    rules = new Intl.PluralRules(language);
    pluralRules.set(language, rules);
  }
  return rules.select(count);
}

/** The word `count` points take in `locale`: "1 star", "2 stars", and in French "0 étoile". */
export function pointsWord(wording: PointsWording, count: number, locale = 'en'): string {
  const forms = pointsWordForms(wording, locale);
  return pluralOf(forms.language, count) === 'one' ? forms.one : forms.other;
}

/** A number of points with the word it takes, for messages: "1 star", "250 stars"; "1 point" when nothing is worded (`{}`). */
export function pointsCount(wording: PointsWording, count: number, locale = 'en'): string {
  return `${count} ${pointsWord(wording, count, locale)}`;
}
