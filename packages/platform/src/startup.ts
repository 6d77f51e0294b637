import type { Logger } from './logger';

/**
 * Errors that say a dependency is not reachable yet (still booting, restarting, or the network
 * not up), as opposed to a mistake that waiting will not fix (a bad migration, a wrong password).
 */
export function isUnreachable(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = typeof err.message === 'string' ? err.message : '';
  // 57P03: the database system is starting up; 53300: too many connections; 08xxx: connection exceptions.
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P03', '53300', 'TIMEOUT', '503'].includes(code)) return true;
  if (code.startsWith('08')) return true;
  return /timeout exceeded when trying to connect|Connection terminated|timed? ?out|no responders/i.test(message);
}

/**
 * Runs a start-up step again while its dependency is unreachable, until the deadline: replicas
 * booting beside their database, or a machine too busy to answer within one connect timeout,
 * start late instead of exiting (Kubernetes would restart them, a developer's `pnpm start`
 * would not). Any other error fails at once.
 */
export async function untilReachable<T>(what: string, deadline: number, logger: Logger, step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (e) {
      if (!isUnreachable(e) || Date.now() >= deadline) throw e;
      const waitMs = Math.min(2000, 100 * 2 ** attempt);
      logger.warn({ err: e, attempt, waitMs }, `${what} not reachable yet, trying again`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
