import { createBreaker, createLogger } from '../src';

describe('breaker', () => {
  it('opens on a failing dependency, fails fast with the fallback, and closes when it recovers', async () => {
    let healthy = false;
    let calls = 0;
    const dependency = async (x: number) => {
      calls++;
      if (!healthy) throw new Error('down');
      return `live ${x}`;
    };
    const breaker = createBreaker(dependency, {
      name: 'partner',
      timeoutMs: 200,
      resetTimeoutMs: 300,
      volumeThreshold: 3,
      errorThresholdPercentage: 50,
      fallback: (x: number) => `stale ${x}`,
      logger: createLogger('test', 'silent'),
    });
    for (let n = 0; n < 3; n++) expect(await breaker.fire(n)).toBe(`stale ${n}`);
    expect(breaker.opened).toBe(true);

    const callsWhenOpened = calls;
    const started = Date.now();
    expect(await breaker.fire(9)).toBe('stale 9');
    expect(calls).toBe(callsWhenOpened);
    expect(Date.now() - started).toBeLessThan(50);

    healthy = true;
    await new Promise((r) => setTimeout(r, 350));
    expect(await breaker.fire(10)).toBe('live 10');
    expect(breaker.closed).toBe(true);
    breaker.shutdown();
  });

  it('times out a dependency that hangs instead of waiting for it', async () => {
    const breaker = createBreaker(() => new Promise<string>(() => undefined), {
      name: 'hangs',
      timeoutMs: 100,
      logger: createLogger('test', 'silent'),
    });
    const started = Date.now();
    await expect(breaker.fire()).rejects.toThrow(/Timed out/i);
    expect(Date.now() - started).toBeLessThan(500);
    breaker.shutdown();
  });

  it('keeps counts only: no latency list to sort and no snapshot each second (prom-client measures latency)', async () => {
    const breaker = createBreaker(async (x: number) => x, { name: 'counts', logger: createLogger('test', 'silent') });
    const snapshots: unknown[] = [];
    breaker.status.on('snapshot', (s) => snapshots.push(s));
    for (let n = 0; n < 50; n++) await breaker.fire(n);
    const stats = breaker.stats;
    expect(stats.successes).toBe(50);
    expect(stats.latencyTimes).toEqual([]);
    await new Promise((r) => setTimeout(r, 1100));
    expect(snapshots).toEqual([]);
    breaker.shutdown();
  });
});
