import fc from 'fast-check';
import { defaultRetryPolicy, retryDelayMs } from './backoff';

describe('retry delays', () => {
  it('grow exponentially, stay under the cap, and keep half of each delay fixed under jitter (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = retryDelayMs(defaultRetryPolicy, attempt, r);
        const exp = Math.min(defaultRetryPolicy.maxDelayMs, defaultRetryPolicy.baseDelayMs * defaultRetryPolicy.factor ** (attempt - 1));
        expect(d).toBeGreaterThanOrEqual(Math.floor(exp / 2));
        expect(d).toBeLessThanOrEqual(exp);
      }),
    );
  });

  it('spread the default attempts over hours, not minutes', () => {
    const total = Array.from({ length: defaultRetryPolicy.maxAttempts - 1 }, (_, n) => retryDelayMs(defaultRetryPolicy, n + 1, 0)).reduce((s, d) => s + d, 0);
    expect(total).toBeGreaterThan(6 * 3600_000);
    expect(total).toBeLessThan(48 * 3600_000);
  });
});
