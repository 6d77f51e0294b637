import { DomainError } from '@tlp/contracts';
import { withinRedisDeadline, type Logger, type Redis, type RedisKeys } from '@tlp/platform';

export interface RateLimits {
  tenantPerMinute: number;
  clientPerMinute: number;
  /** Code and PIN attempts per client: low, against guessing. */
  attemptsPerMinute: number;
}

/** A window's counter outlives its minute by one more, then goes. */
const WINDOW_TTL_SECONDS = 120;
/** A replica takes a hundredth of a limit from Redis at a time; a limit under 200 goes one by one. */
const LEASE_SHARE = 100;
/** Past this many counters in a minute, this replica forgets its allowances (it can only refuse earlier). */
const MOST_ALLOWANCES = 100_000;

const leaseOf = (limit: number) => Math.max(1, Math.floor(limit / LEASE_SHARE));

/** Adds each key's lease to its window's counter (opening the window's expiry) and returns the counts. */
const TAKE_LEASES = `
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('INCRBY', key, ARGV[i + 1])
  if counts[i] == tonumber(ARGV[i + 1]) then redis.call('EXPIRE', key, ARGV[1]) end
end
return counts`;

/** What this replica may still let through on one counter in this window. */
interface Allowance {
  requests: number;
  /** Redis has nothing more to give in this window: once `requests` is spent, refuse without asking. */
  spent: boolean;
  /** The lease being asked for (false if Redis failed): requests arriving meanwhile wait for it rather than ask for more. */
  leasing?: Promise<boolean>;
}

interface Counter {
  key: string;
  limit: number;
  attempts: boolean;
}

/**
 * Fixed one-minute windows counted in Redis, per tenant, per client, and per client for code and
 * PIN attempts. A replica takes its counts from Redis a hundredth of the limit at a time (a lease)
 * and spends them locally, so a busy tenant or client costs Redis one round trip per lease rather
 * than per request. Leases are counted in Redis before they are spent, so the replicas together
 * never let more through than the limit; a lease a replica does not spend before the minute ends
 * is lost, so a client may be refused up to one lease per replica early. Code and PIN limits
 * (under 200) are counted one request at a time. A counter Redis has run out of is refused
 * locally until the window ends. When Redis is unreachable we let requests through and log it:
 * refusing every sale because a limiter is down would hurt venues more than a minute without limits.
 */
export class RateLimiter {
  private window = 0;
  private readonly allowances = new Map<string, Allowance>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: RateLimits,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async check(tenantId: string, sub: string, kind: 'standard' | 'attempts'): Promise<void> {
    const window = Math.floor(this.now() / 60_000);
    if (window !== this.window || this.allowances.size >= MOST_ALLOWANCES) {
      this.allowances.clear();
      this.window = window;
    }
    const counters: Counter[] = [
      { key: this.keys.key('rl', tenantId, String(window)), limit: this.limits.tenantPerMinute, attempts: false },
      { key: this.keys.key('rl', tenantId, sub, String(window)), limit: this.limits.clientPerMinute, attempts: false },
    ];
    if (kind === 'attempts') counters.push({ key: this.keys.key('rl-attempts', tenantId, sub, String(window)), limit: this.limits.attemptsPerMinute, attempts: true });
    // Each pass lets the request through, refuses it, waits for a lease already asked for, or asks
    // for one (one at a time per counter: a burst asking at once would otherwise lease a hundredth
    // per request and hold counts other replicas need). The loop ends: Redis runs out of counts.
    for (;;) {
      const short = counters.filter((c) => !(this.allowanceOf(c.key).requests > 0));
      const refusing = short.find((c) => this.allowanceOf(c.key).spent);
      if (refusing) throw refusal(refusing, this.now());
      if (short.length === 0) {
        for (const c of counters) this.allowanceOf(c.key).requests--;
        return;
      }
      const leasing = short.map((c) => this.allowanceOf(c.key).leasing).filter((p) => p !== undefined);
      // A request waiting for a lease that failed goes through as the one that asked for it did,
      // rather than each asking an unreachable Redis in turn.
      if (leasing.length > 0) {
        if ((await Promise.all(leasing)).includes(false)) return;
        continue;
      }
      const lease = this.lease(short);
      for (const c of short) this.allowanceOf(c.key).leasing = lease;
      if (!(await lease)) return;
    }
  }

  /** Asks Redis for a lease on each counter; false when Redis is unreachable (the request goes through). */
  private async lease(counters: Counter[]): Promise<boolean> {
    try {
      // A lease Redis has not given in time counts as Redis unreachable: the request goes through.
      const replies = await withinRedisDeadline(
        this.redis.eval(TAKE_LEASES, {
          keys: counters.map((c) => c.key),
          arguments: [String(WINDOW_TTL_SECONDS), ...counters.map((c) => String(leaseOf(c.limit)))],
        }),
      );
      const counts = (replies as number[]).map(Number);
      counters.forEach((c, i) => {
        const lease = leaseOf(c.limit);
        const before = (counts[i] ?? Number.MAX_SAFE_INTEGER) - lease;
        const granted = Math.max(0, Math.min(lease, c.limit - before));
        const allowance = this.allowanceOf(c.key);
        allowance.requests += granted;
        if (granted < lease) allowance.spent = true;
      });
      return true;
    } catch (e) {
      this.logger.warn({ err: e }, 'rate limiter unavailable: letting the request through');
      return false;
    } finally {
      for (const c of counters) delete this.allowanceOf(c.key).leasing;
    }
  }

  private allowanceOf(key: string): Allowance {
    let allowance = this.allowances.get(key);
    if (!allowance) {
      allowance = { requests: 0, spent: false };
      this.allowances.set(key, allowance);
    }
    return allowance;
  }
}

function refusal(counter: Counter, now: number): DomainError {
  const retryAfterSeconds = 60 - Math.floor((now / 1000) % 60);
  return new DomainError('RATE_LIMITED', counter.attempts ? 'Too many code or PIN attempts' : 'Too many requests', { retryAfterSeconds });
}
