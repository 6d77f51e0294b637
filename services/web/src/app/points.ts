/**
 * Points are integers, shown in the program's own wording ("stars", "Rewards4Rugby points"),
 * which the program gives per locale.
 */
export type Wording = Record<string, string>;

/** The wording for the reader's language, else English, else whatever the program gave. */
export function wordingFor(wording: Wording | undefined, locale: string): string {
  if (!wording) return 'points';
  const language = locale.split('-')[0] ?? locale;
  return wording[locale] ?? wording[language] ?? wording.en ?? Object.values(wording)[0] ?? 'points';
}

export function formatPoints(points: number, wording: Wording | undefined, locale: string): string {
  return `${new Intl.NumberFormat(locale).format(points)} ${wordingFor(wording, locale)}`;
}
