import { connectRedis, createLogger, REDIS_DEADLINE_MS, RedisKeys } from '@tlp/platform';
import { cleanUp, eventually, infra, isolation, tcpRelay } from '@tlp/testkit';
import fc from 'fast-check';
import { RateLimiter, type RateLimits } from '../src/http/rate-limit';

const iso = isolation('gateway_rate_limit');
const logger = createLogger('gateway-rate-limit-test', 'silent');
let redis: Awaited<ReturnType<typeof connectRedis>>;
let run = 0;

beforeAll(async () => {
  redis = await connectRedis((await infra()).redisUrl, logger);
});

afterAll(async () => {
  await redis?.quit();
  await cleanUp(await infra(), iso);
});

/** Half a minute into a window: a test's requests all fall in one window, however slow the machine. */
const now = Date.UTC(2026, 11, 7, 12, 0, 30);
const window = Math.floor(now / 60_000);

/** Replicas of the gateway sharing one Redis, each with its own limiter, on counters no other test uses. */
function replicas(n: number, limits: RateLimits): RateLimiter[] {
  const keys = new RedisKeys(`${iso.redisPrefix}run${++run}:`);
  return Array.from({ length: n }, () => new RateLimiter(redis, keys, limits, logger, () => now));
}

const admitted = async (checks: Promise<void>[]) => (await Promise.allSettled(checks)).filter((r) => r.status === 'fulfilled').length;

describe('the rate limiter', () => {
  it('takes a busy client’s counts from Redis a hundredth of its limit at a time, not a round trip per request', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 100_000, clientPerMinute: 1_000, attemptsPerMinute: 20 });
    const asked = jest.spyOn(redis, 'eval');
    try {
      for (let n = 0; n < 100; n++) await limiter!.check('venue', 'box-office-1', 'standard');
      expect(asked).toHaveBeenCalledTimes(10);
    } finally {
      asked.mockRestore();
    }
  });

  it('asks for one lease at a time: a burst on one replica leaves the rest of the limit to the others', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 10_000, clientPerMinute: 10_000, attemptsPerMinute: 20 });
    expect(await admitted(Array.from({ length: 50 }, (_, n) => limiter!.check('venue', `fan-${n}`, 'standard')))).toBe(50);
    expect(await redis.get(`${iso.redisPrefix}run${run}:rl:venue:${window}`)).toBe('100');
  });

  it('counts code and PIN attempts one by one, and refuses the next without asking Redis again', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 100_000, clientPerMinute: 1_000, attemptsPerMinute: 3 });
    const outcomes = [];
    for (let n = 0; n < 4; n++) outcomes.push(await limiter!.check('venue', 'fan-1', 'attempts').then(() => 'ok', (e: { code: string; message: string }) => `${e.code}: ${e.message}`));
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'RATE_LIMITED: Too many code or PIN attempts']);
    const asked = jest.spyOn(redis, 'eval');
    try {
      await expect(limiter!.check('venue', 'fan-1', 'attempts')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterSeconds: 30 } });
      expect(asked).not.toHaveBeenCalled();
    } finally {
      asked.mockRestore();
    }
  });

  it('lets exactly the limit through across replicas asked at once, however the requests are spread', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 260, maxLength: 300 }), async (spread) => {
        const gateways = replicas(3, { tenantPerMinute: 100_000, clientPerMinute: 250, attemptsPerMinute: 20 });
        // Every request at once, then one more per replica: a replica holding counts never refuses.
        const first = await admitted(spread.map((g) => gateways[g]!.check('venue', 'fan-2', 'standard')));
        const late = await admitted(gateways.flatMap((g) => Array.from({ length: 3 }, () => g.check('venue', 'fan-2', 'standard'))));
        expect(first).toBeLessThanOrEqual(250);
        expect(first + late).toBe(250);
      }),
      { numRuns: 15 },
    );
  });

  it('lets requests through when Redis fails, the ones waiting for the failed lease too, without asking again one by one', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 100_000, clientPerMinute: 1_000, attemptsPerMinute: 20 });
    const failing = jest.spyOn(redis, 'eval').mockImplementation(() => new Promise((_, reject) => setTimeout(() => reject(new Error('redis away')), 20)));
    try {
      expect(await admitted(Array.from({ length: 20 }, () => limiter!.check('venue', 'fan-3', 'standard')))).toBe(20);
      expect(failing).toHaveBeenCalledTimes(1);
    } finally {
      failing.mockRestore();
    }
  });

  it('lets requests through at once while Redis is unreachable, rather than holding them until it is back', async () => {
    const relay = await tcpRelay((await infra()).redisUrl, 6379);
    const cutOff = await connectRedis(relay.url, logger);
    try {
      const limiter = new RateLimiter(cutOff, new RedisKeys(`${iso.redisPrefix}run${++run}:`), { tenantPerMinute: 100_000, clientPerMinute: 1_000, attemptsPerMinute: 20 }, logger, () => now);
      relay.cut();
      await eventually(async () => (cutOff.isReady ? undefined : true));
      const started = Date.now();
      expect(await admitted(Array.from({ length: 20 }, () => limiter.check('venue', 'fan-4', 'standard')))).toBe(20);
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      cutOff.destroy();
    }
  });

  it('lets requests through once the lease deadline passes when Redis does not answer (hung, or a connection dead without closing)', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 100_000, clientPerMinute: 1_000, attemptsPerMinute: 20 });
    const hanging = jest.spyOn(redis, 'eval').mockImplementation(() => new Promise(() => undefined));
    try {
      const started = Date.now();
      expect(await admitted(Array.from({ length: 20 }, () => limiter!.check('venue', 'fan-5', 'standard')))).toBe(20);
      expect(Date.now() - started).toBeGreaterThanOrEqual(REDIS_DEADLINE_MS - 20);
      expect(Date.now() - started).toBeLessThan(REDIS_DEADLINE_MS + 500);
      expect(hanging).toHaveBeenCalledTimes(1);
    } finally {
      hanging.mockRestore();
    }
  });

  it('keeps each tenant’s and each client’s counters apart', async () => {
    const [limiter] = replicas(1, { tenantPerMinute: 5, clientPerMinute: 3, attemptsPerMinute: 20 });
    expect(await admitted(Array.from({ length: 5 }, () => limiter!.check('venue-a', 'fan-1', 'standard')))).toBe(3);
    expect(await admitted(Array.from({ length: 5 }, () => limiter!.check('venue-a', 'fan-2', 'standard')))).toBe(2);
    expect(await admitted(Array.from({ length: 5 }, () => limiter!.check('venue-b', 'fan-1', 'standard')))).toBe(3);
  });
});
