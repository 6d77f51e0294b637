/**
 * Points are integers, shown in the program's own wording ("stars", "Rewards4Rugby points"),
 * which the program gives per locale: one word for any number, or the singular and the plural
 * (as packages/contracts `PointsWording`, whose `pointsWord` this mirrors).
 */
import { numberFormat, pluralForm } from './intl';

type Word = string | { one: string; other: string };
export type Wording = Record<string, Word>;

const generic: Wording = { en: { one: 'point', other: 'points' } };

/** The singular and plural in the reader's language, else English, else whatever the program gave; `language` is the one worded. */
function formsFor(wording: Wording | undefined, locale: string): { language: string; one: string; other: string } {
  const given = wording && Object.keys(wording).length > 0 ? wording : generic;
  const language = [locale, locale.split('-')[0] ?? locale, 'en'].find((l) => given[l] !== undefined) ?? Object.keys(given)[0] ?? 'en';
  const word = given[language] ?? 'points';
  return typeof word === 'string' ? { language, one: word, other: word } : { language, ...word };
}

/** What the points are called in general (the plural): "Change in stars". */
export function wordingFor(wording: Wording | undefined, locale: string): string {
  return formsFor(wording, locale).other;
}

/** The word a number of points takes: "1 star", "250 stars", in French "0 étoile". */
function pointsWord(points: number, wording: Wording | undefined, locale: string): string {
  const forms = formsFor(wording, locale);
  return pluralForm(forms, points, forms.language);
}

export function formatPoints(points: number, wording: Wording | undefined, locale: string): string {
  return `${numberFormat(locale).format(points)} ${pointsWord(points, wording, locale)}`;
}
