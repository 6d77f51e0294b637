import { DomainError } from '@tlp/contracts';
import type { Logger, Redis, RedisKeys } from '@tlp/platform';

export interface RateLimits {
  tenantPerMinute: number;
  clientPerMinute: number;
  /** Code and PIN attempts per client: low, against guessing. */
  attemptsPerMinute: number;
}

/**
 * Fixed one-minute windows in Redis, per tenant, per client, and per client for code and PIN
 * attempts. When Redis is unreachable we let requests through and log it: refusing every sale
 * because a limiter is down would hurt venues more than a minute without limits.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: RateLimits,
    private readonly logger: Logger,
  ) {}

  async check(tenantId: string, sub: string, kind: 'standard' | 'attempts'): Promise<void> {
    const window = Math.floor(Date.now() / 60_000);
    const checks: [string, number][] = [
      [this.keys.key('rl', tenantId, String(window)), this.limits.tenantPerMinute],
      [this.keys.key('rl', tenantId, sub, String(window)), this.limits.clientPerMinute],
    ];
    if (kind === 'attempts') checks.push([this.keys.key('rl-attempts', tenantId, sub, String(window)), this.limits.attemptsPerMinute]);
    let counts: number[];
    try {
      const multi = this.redis.multi();
      for (const [key] of checks) multi.incr(key).expire(key, 120);
      const replies = await multi.exec();
      counts = checks.map((_, n) => Number(replies[n * 2]));
    } catch (e) {
      this.logger.warn({ err: e }, 'rate limiter unavailable: letting the request through');
      return;
    }
    checks.forEach(([, limit], n) => {
      if ((counts[n] ?? 0) > limit) {
        const retryAfterSeconds = 60 - Math.floor((Date.now() / 1000) % 60);
        throw new DomainError('RATE_LIMITED', kind === 'attempts' && n === 2 ? 'Too many code or PIN attempts' : 'Too many requests', {
          retryAfterSeconds,
        });
      }
    });
  }
}
