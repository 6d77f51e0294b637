import type { Criterion } from './api/routes';
import { numberFormat, pluralForm } from './intl';

/**
 * What tiers count besides money, in the app's own words. These are English (index.html's
 * `lang`), so English plural rules pick the form whatever the reader's locale.
 */
const counted: Record<Exclude<Criterion, 'total-spending'>, { one: string; other: string }> = {
  'tickets-purchased': { one: 'ticket', other: 'tickets' },
  'events-attended': { one: 'event', other: 'events' },
  'membership-days': { one: 'day', other: 'days' },
};

/** A count of what a tier counts, with its word: "1 ticket", "12 events", "1 day"; the number as the reader's `locale` writes it. */
export function formatCount(count: number, criterion: Exclude<Criterion, 'total-spending'>, locale: string): string {
  return `${numberFormat(locale).format(count)} ${pluralForm(counted[criterion], count, 'en')}`;
}
