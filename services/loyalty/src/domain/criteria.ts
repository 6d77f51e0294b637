import type { Condition, Criterion, Operator } from '@tlp/contracts';

/** What is known of a contact's history, kept from events (orders, scans). */
export interface Activity {
  totalSpendingMinor: number;
  ticketsPurchased: number;
  eventsAttended: number;
  memberSince: Date;
}

export function criterionValue(activity: Activity, criterion: Criterion, now: Date): number {
  switch (criterion) {
    case 'total-spending':
      return activity.totalSpendingMinor;
    case 'tickets-purchased':
      return activity.ticketsPurchased;
    case 'events-attended':
      return activity.eventsAttended;
    case 'membership-days':
      return Math.max(0, Math.floor((now.getTime() - activity.memberSince.getTime()) / 86_400_000));
  }
}

export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '=':
      return value === threshold;
    case '>':
      return value > threshold;
    case '<':
      return value < threshold;
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
  }
}

/** A reward's conditions all hold for the contact. */
export function meetsConditions(activity: Activity, conditions: Condition[], now: Date): boolean {
  return conditions.every((c) => compare(criterionValue(activity, c.criterion, now), c.operator, c.value));
}

export interface TierSpec {
  name: string;
  criterion: Criterion;
  threshold: number;
}

/**
 * The tier reached and the progress to the next one ("You're 80% to Gold!"): tiers are climbed
 * in threshold order on their own criterion; progress runs from the current tier's threshold to
 * the next one's.
 */
export function tierProgress(tiers: TierSpec[], activity: Activity, now: Date) {
  const ordered = [...tiers].sort((a, b) => a.threshold - b.threshold);
  let current: TierSpec | undefined;
  for (const t of ordered) if (criterionValue(activity, t.criterion, now) >= t.threshold) current = t;
  const next = ordered.find((t) => criterionValue(activity, t.criterion, now) < t.threshold && (!current || t.threshold > current.threshold));
  const criterion = next?.criterion ?? current?.criterion ?? null;
  const value = criterion ? criterionValue(activity, criterion, now) : 0;
  const from = current && current.criterion === criterion ? current.threshold : 0;
  const percent = next ? Math.max(0, Math.min(99, Math.floor(((value - from) * 100) / Math.max(1, next.threshold - from)))) : current ? 100 : 0;
  return { current: current?.name ?? null, next: next?.name ?? null, percent, criterion, value, nextThreshold: next?.threshold ?? null };
}
