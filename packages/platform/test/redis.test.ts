import { eventually, infra, isolation, tcpRelay } from '@tlp/testkit';
import { connectRedis, createLogger, RedisKeys } from '../src';

const keys = new RedisKeys(isolation('platform_redis').redisPrefix);
const logger = createLogger('platform-redis-test', 'silent');

describe('the Redis client', () => {
  it('fails a command at once while Redis is unreachable, instead of holding it until Redis is back', async () => {
    const relay = await tcpRelay((await infra()).redisUrl, 6379);
    const redis = await connectRedis(relay.url, logger);
    try {
      await redis.set(keys.key('k'), '1', { EX: 60 });
      relay.cut();
      await eventually(async () => (redis.isReady ? undefined : true));
      const started = Date.now();
      await expect(redis.get(keys.key('k'))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(200);
    } finally {
      redis.destroy();
    }
  });
});
