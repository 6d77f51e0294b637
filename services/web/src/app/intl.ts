/**
 * `Intl` formatters, each built once per language (and currency): building one costs more than
 * the text it formats, and a list draws hundreds of figures (packages/contracts/src/wording.ts
 * keeps the same cache of plural rules).
 */
const rules = new Map<string, Intl.PluralRules>();
const numbers = new Map<string, Intl.NumberFormat>();

/** The form `count` takes by the rules of `language`, the language the forms are in: "1 star", "2 stars", in French "0 étoile". */
export function pluralForm(forms: { one: string; other: string }, count: number, language: string): string {
  let r = rules.get(language);
  if (!r) {
    r = new Intl.PluralRules(language);
    rules.set(language, r);
  }
  return r.select(count) === 'one' ? forms.one : forms.other;
}

/** A number format for `locale` (the browser's default when undefined), as money in `currency` when one is given. */
export function numberFormat(locale: string | undefined, currency?: string): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency ?? ''}`;
  let f = numbers.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, currency ? { style: 'currency', currency } : {});
    numbers.set(key, f);
  }
  return f;
}

/** The language the reader's browser asks for, English when it names none (or in Node, where tests load this module). */
export const userLocale = (): string => (globalThis as { navigator?: { language?: string } }).navigator?.language || 'en';
