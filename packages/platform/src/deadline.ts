import { DomainError } from '@tlp/contracts';

/** Whether a caller's deadline (on `performance.now()`'s clock; none: the caller did not say) has passed. */
export const isPast = (deadline: number | undefined): boolean => deadline !== undefined && performance.now() >= deadline;

/** The answer to work refused because its caller stopped waiting. */
export const callerGaveUp = (): DomainError => new DomainError('TIMEOUT', 'The caller stopped waiting before this request could start');

/**
 * Refuses to start work whose caller has stopped waiting. Work queued behind a busy gate, a
 * fan's turn or a running batch would otherwise still run after its caller's time-out: nobody
 * reads its reply, and under a flood the queue of such work grows until every request waits
 * longer than its caller does.
 */
export function refuseIfPast(deadline: number | undefined): void {
  if (isPast(deadline)) throw callerGaveUp();
}
