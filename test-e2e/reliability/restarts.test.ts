import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats, startPostgres } from '../../infra/servers';
import { Platform } from '../harness';
import { checkoutStream, seedFans } from './checkouts';
import { expectSettledInvariants } from './invariants';

/**
 * NATS and PostgreSQL restarted in the middle of a stream of checkouts. The platform runs
 * against servers of this test's own (on free ports, data in a temporary folder), so restarting
 * them disturbs nobody else; every service must recover by itself, and the invariants hold.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'tlp-restarts-'));
const quiet = () => undefined;
let pgPort = 0;
let natsPort = 0;
let stopPostgres: () => Promise<void>;
let stopNats: () => Promise<void>;
let platform: Platform;
const tenant = 'festival';
const FANS = 3;

beforeAll(async () => {
  [pgPort, natsPort] = [await freePort(), await freePort()];
  stopPostgres = await startPostgres(dataDir, pgPort, quiet);
  stopNats = await startNats(dataDir, natsPort, quiet);
  process.env.DATABASE_URL = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  process.env.NATS_URL = `nats://127.0.0.1:${natsPort}`;
  platform = new Platform({
    label: 'rel_restarts',
    env: {
      gateway: { CHECKOUT_RECOVERY_EVERY_MS: '500', BACKEND_TIMEOUT_MS: '1500', CHECKOUT_HOLD_TTL_SECONDS: '20', RATE_LIMIT_CLIENT_PER_MIN: '100000', RATE_LIMIT_ATTEMPTS_PER_MIN: '100000', CHECKOUT_ABANDONED_HOLD_MS: '5000' },
      loyalty: { EXPIRY_JOB_EVERY_MS: '500' },
    },
  });
  await platform.start();
  await seedFans(platform, tenant, FANS, { oneTimeReward: true });
}, 240_000);

afterAll(async () => {
  await platform?.stop();
  await stopNats?.();
  await stopPostgres?.();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/**
 * Holds whose retries with the same key were still told "in progress, come back" when the stream
 * gave up: an answer cut off by the outage must not hold its key for good. (A hold that failed
 * because a service timed out during the outage is an answer: `CHECKOUT_HOLD_FAILED`.)
 */
const neverAnswered = (outcomes: Record<string, number>) => Object.keys(outcomes).filter((k) => k === 'hold 409 CHECKOUT_IN_PROGRESS');

/** Stops a server a moment into the stream and starts it again on the same port and data. */
async function restartMidStream(stop: () => Promise<void>, start: () => Promise<() => Promise<void>>): Promise<() => Promise<void>> {
  await new Promise((r) => setTimeout(r, 800));
  await stop();
  await new Promise((r) => setTimeout(r, 1500));
  return start();
}

it('keeps every invariant when NATS restarts mid-stream', async () => {
  const [outcomes, stop] = await Promise.all([
    checkoutStream(platform, tenant, FANS, 10, 'nats'),
    restartMidStream(stopNats, () => startNats(dataDir, natsPort, quiet)),
  ]);
  stopNats = stop;
  expect(outcomes).toMatchObject({ '200 confirmed': expect.any(Number) });
  expect(neverAnswered(outcomes)).toEqual([]);
  await expectSettledInvariants(platform, outcomes);
}, 240_000);

it('keeps every invariant when PostgreSQL restarts mid-stream', async () => {
  const [outcomes, stop] = await Promise.all([
    checkoutStream(platform, tenant, FANS, 10, 'pg'),
    restartMidStream(stopPostgres, () => startPostgres(dataDir, pgPort, quiet)),
  ]);
  stopPostgres = stop;
  expect(outcomes).toMatchObject({ '200 confirmed': expect.any(Number) });
  expect(neverAnswered(outcomes)).toEqual([]);
  await expectSettledInvariants(platform, outcomes);
}, 240_000);
