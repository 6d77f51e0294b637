import { createClient } from 'redis';
import type { Logger } from './logger';

export type Redis = ReturnType<typeof createClient>;

export async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const client = createClient({
    url,
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
