import { DomainError, type AdvantageState } from '@tlp/contracts';
import { isDeepStrictEqual } from 'node:util';

const TIMESTAMPS = new Set(['validFrom', 'validUntil']);

/** Stored jsonb comes back with its keys reordered and timestamps in one format: compare meaning, not text. */
function same(field: string, a: unknown, b: unknown): boolean {
  if (TIMESTAMPS.has(field) && typeof a === 'string' && typeof b === 'string') return Date.parse(a) === Date.parse(b);
  return isDeepStrictEqual(a, b);
}

export interface EditRules {
  /** "advantage" / "promo code", for the messages. */
  what: string;
  /** What may still change once customers buy with it. */
  editableInOperation: ReadonlySet<string>;
  /** Fields that cannot change in this particular edit, whatever the state. */
  lockedHere?: (changed: string[]) => string[];
}

/**
 * The fields an edit really changes. Asking for a value it already has is not a change, so a
 * repeated edit is accepted and changes nothing: that is what makes edits idempotent. A closed
 * object refuses every edit; one in operation refuses any change outside `editableInOperation`.
 */
export function changedFields<T extends { state: AdvantageState; validFrom: string | null; validUntil: string | null }>(
  current: T,
  changes: Partial<Record<keyof T, unknown>>,
  rules: EditRules,
): string[] {
  if (current.state === 'closed') throw new DomainError('PROMOTION_ADVANTAGE_CLOSED', `A closed ${rules.what} cannot change`);
  const changed = Object.entries(changes)
    .filter(([field, value]) => value !== undefined && !same(field, value, current[field as keyof T]))
    .map(([field]) => field);
  const locked = [
    ...(current.state === 'in-operation' ? changed.filter((f) => !rules.editableInOperation.has(f)) : []),
    ...(rules.lockedHere?.(changed) ?? []),
  ];
  if (locked.length) throw new DomainError('PROMOTION_FIELD_LOCKED', `These cannot change now: ${locked.join(', ')}`, { fields: locked, state: current.state });
  const validFrom = (changes.validFrom === undefined ? current.validFrom : changes.validFrom) as string | null;
  const validUntil = (changes.validUntil === undefined ? current.validUntil : changes.validUntil) as string | null;
  if (validFrom && validUntil && Date.parse(validFrom) >= Date.parse(validUntil)) {
    throw new DomainError('VALIDATION_FAILED', 'validFrom must be before validUntil', { validFrom, validUntil });
  }
  return changed;
}

/** The quota (units) or maximum uses may shrink, but never below what holds and sales already took. */
export function checkLimit(limit: number | null, taken: number): void {
  if (limit !== null && limit < taken) throw new DomainError('PROMOTION_QUOTA_BELOW_TAKEN', `${taken} are already held or sold`, { taken });
}
