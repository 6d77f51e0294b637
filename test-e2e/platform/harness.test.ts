import { Platform } from '../harness';

describe('the test platform', () => {
  it('stops every process it started when one of them does not start, so none outlives the test', async () => {
    // A gateway whose configuration is refused exits at once, three times, while the others start.
    const platform = new Platform({ label: 'harness_failed_start', env: { gateway: { RATE_LIMIT_TENANT_PER_MIN: 'many' } } });
    await expect(platform.start()).rejects.toThrow(/gateway exited/);
    expect([...platform.pids().keys()]).toEqual([]);
  });
});
