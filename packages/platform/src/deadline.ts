import { DomainError } from '@tlp/contracts';

/**
 * Refuses to start work whose caller has stopped waiting (`deadline`, on `performance.now()`'s
 * clock; none means the caller did not say). Work queued behind a busy gate or a fan's turn
 * would otherwise still run after its caller's time-out: nobody reads its reply, and under a
 * flood the queue of such work grows until every request waits longer than its caller does.
 */
export function refuseIfPast(deadline: number | undefined): void {
  if (deadline !== undefined && performance.now() >= deadline) {
    throw new DomainError('TIMEOUT', 'The caller stopped waiting before this request could start');
  }
}
