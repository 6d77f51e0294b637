import { createClient } from 'redis';
import { withTimeout } from './http';
import type { Logger } from './logger';

export type Redis = ReturnType<typeof createClient>;

/**
 * A client that fails fast when Redis is away: while the connection is down, commands fail at once
 * rather than wait in node-redis's offline queue until it is back. Each caller then does what it
 * decided for Redis being away (the gateway's rate limiter lets requests through, partner balances
 * skip their cache, PIN checks refuse with 503), where the queue held every request meanwhile.
 * (node-redis's command timeout would not help a server that hangs: it only runs until a command
 * is written; see withinRedisDeadline.)
 */
export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000), connectTimeout: 5000 },
  });
  // Without a listener a connection error would crash the process; the client reconnects by itself.
  client.on('error', (err: unknown) => logger.warn({ err }, 'redis error'));
  await client.connect();
  return client;
}

/** Keys of one service under one prefix, so tests and several platforms can share a server. */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }
}

/** How long a caller on a request's path waits for Redis before answering as if Redis were away. */
export const REDIS_DEADLINE_MS = 500;

/**
 * The command, rejected once REDIS_DEADLINE_MS has passed without its reply: a Redis that hangs, or
 * a connection that died without closing, would otherwise hold the caller until TCP gives up.
 * For callers that have an answer for Redis being away; the command may still run in Redis later.
 */
export function withinRedisDeadline<T>(command: Promise<T>): Promise<T> {
  return withTimeout(command, REDIS_DEADLINE_MS);
}
