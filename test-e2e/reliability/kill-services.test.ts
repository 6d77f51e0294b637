import { Platform } from '../harness';
import { checkoutStream, seedFans } from './checkouts';
import { expectSettledInvariants } from './invariants';

/**
 * Checkouts from clients that retry every request (same Idempotency-Key) while loyalty,
 * promotion, voucher and the gateway are each killed with SIGKILL mid-stream and restarted.
 * Afterwards: every ledger sum equals its balance, no balance is negative, every confirmed
 * order earned exactly once, no hold is left past its expiry, no order is left half-done.
 */
const platform = new Platform({
  label: 'rel_kill',
  env: {
    gateway: { CHECKOUT_RECOVERY_EVERY_MS: '500', BACKEND_TIMEOUT_MS: '1500', CHECKOUT_HOLD_TTL_SECONDS: '20', RATE_LIMIT_CLIENT_PER_MIN: '100000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000', CHECKOUT_ABANDONED_HOLD_MS: '5000' },
    loyalty: { EXPIRY_JOB_EVERY_MS: '500' },
  },
});
const tenant = 'festival';
const FANS = 4;

beforeAll(() => platform.start(), 180_000);
afterAll(() => platform.stop(), 60_000);

it('keeps every invariant while services are killed mid-stream', async () => {
  await seedFans(platform, tenant, FANS, { oneTimeReward: true });
  const chaos = (async () => {
    for (const service of ['loyalty', 'promotion', 'voucher', 'gateway']) {
      await new Promise((r) => setTimeout(r, 700));
      await platform.kill(service);
      await new Promise((r) => setTimeout(r, 300));
      await platform.restart(service);
    }
  })();
  const [outcomes] = await Promise.all([checkoutStream(platform, tenant, FANS, 12), chaos]);
  expect(outcomes).toMatchObject({ '200 confirmed': expect.any(Number) });
  await expectSettledInvariants(platform, outcomes);
  // The fans' one-time reward went with some orders, and with one order per fan at most.
  const [rewards] = await platform.sql<{ captured: number }>('loyalty', `SELECT count(*)::int AS captured FROM reward_holds WHERE state = 'captured'`);
  expect(rewards!.captured).toBeGreaterThan(0);
  expect(rewards!.captured).toBeLessThanOrEqual(FANS);
}, 300_000);

it('keeps the gateway ready while a backend is down, saying which, and answers that backend’s routes 503 while the others work', async () => {
  const readiness = async () => {
    const res = await fetch(`${platform.gatewayUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean }> } };
  };
  const operator = platform.client(await platform.token({ tenant, roles: ['operator'] }));
  await platform.kill('renewal');
  try {
    expect(await readiness()).toMatchObject({ status: 200, body: { status: 'degraded', checks: { renewal: { ok: false }, loyalty: { ok: true }, postgres: { ok: true } } } });
    const runs = await operator('GET', '/v1/renewal-runs');
    expect(runs.status).toBe(503);
    expect(runs.headers.get('content-type')).toContain('application/problem+json');
    expect((await operator('GET', '/v1/promo-codes')).status).toBe(200);
  } finally {
    await platform.restart('renewal');
  }
  expect(await readiness()).toMatchObject({ status: 200, body: { status: 'ready' } });
}, 60_000);
