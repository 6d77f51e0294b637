import { DomainError } from '@tlp/contracts';
import type { Logger, Redis, RedisKeys } from '@tlp/platform';

export interface RateLimits {
  tenantPerMinute: number;
  clientPerMinute: number;
  /** Code and PIN attempts per client: low, against guessing. */
  attemptsPerMinute: number;
}

/** A window's counter outlives its minute by one more, then goes. */
const WINDOW_TTL_SECONDS = 120;

const COUNT_WINDOWS = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCR', key)
  if counts[i] == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts`;

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
      // One command per request (the script counts each window and sets its expiry when it opens)
      // rather than a MULTI of six: the limiter runs on every call through the gateway.
      const replies = await this.redis.eval(COUNT_WINDOWS, { keys: checks.map(([key]) => key), arguments: [String(WINDOW_TTL_SECONDS)] });
      counts = (replies as number[]).map(Number);
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
