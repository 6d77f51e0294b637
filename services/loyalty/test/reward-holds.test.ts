import { Bus, loyaltyRewardsCapture, loyaltyRewardsCreate, loyaltyRewardsHold, loyaltyRewardsRelease, loyaltyRewardsSetActive, loyaltyCheckoutQuote, loyaltyProgramsCreate, loyaltyProgramsSetActive } from '@tlp/contracts';
import { startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { holdRewards, releaseExpiredRewardHolds } from '../src/app/reward-holds';
import { loyaltyService } from '../src/service';

const iso = isolation('loyalty_reward_holds');
let i: Infra;
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const club = testContext('club');
let oneTime = '';
let continuous = '';

const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code ?? 'error');
const line = { lineId: 'l1', productId: 'p1', productFamily: 'event' as const, quantity: 1, priceMinor: 5000 };
const quotedRewards = async (contactId: string) =>
  (await bus.request(loyaltyCheckoutQuote, club, { contactId, channel: 'web', currency: 'EUR', lines: [line], pointsToUse: 0 })).rewards.map((r) => r.rewardId);

beforeAll(async () => {
  i = await infra();
  svc = await startService(loyaltyService, serviceEnv(i, iso));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  const program = await bus.request(loyaltyProgramsCreate, club, { name: 'Club', unit: 'points', wording: { en: 'points' }, currency: 'EUR' });
  await bus.request(loyaltyProgramsSetActive, club, { programId: program.programId, active: true });
  const reward = (name: string, validity: { kind: 'one-time' } | { kind: 'continuous' }) =>
    bus.request(loyaltyRewardsCreate, club, { name, conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }], reward: { type: 'percentage', basisPoints: 1000 }, validity });
  oneTime = (await reward('Welcome 10%', { kind: 'one-time' })).rewardId;
  continuous = (await reward('Members 10%', { kind: 'continuous' })).rewardId;
  for (const rewardId of [oneTime, continuous]) await bus.request(loyaltyRewardsSetActive, club, { rewardId, active: true });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(i, iso);
});

describe('rewards held by checkouts', () => {
  it('lets exactly one of 30 simultaneous checkouts hold a one-time reward', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, n) => refusal(bus.request(loyaltyRewardsHold, club, { orderId: `race-${n}`, contactId: 'fan-race', rewardIds: [oneTime] }))),
    );
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
    expect(new Set(results.filter((r) => r !== 'accepted'))).toEqual(new Set(['REWARD_ALREADY_USED']));
    // While it is held, the quote no longer offers it to that fan.
    expect(await quotedRewards('fan-race')).not.toContain(oneTime);
  });

  it('gives a released one-time reward back, and keeps a captured one used', async () => {
    await bus.request(loyaltyRewardsHold, club, { orderId: 'give-1', contactId: 'fan-back', rewardIds: [oneTime, continuous] });
    const repeat = await bus.request(loyaltyRewardsHold, club, { orderId: 'give-1', contactId: 'fan-back', rewardIds: [oneTime, continuous] });
    expect(repeat.state).toBe('held');
    expect(await refusal(bus.request(loyaltyRewardsHold, club, { orderId: 'give-2', contactId: 'fan-back', rewardIds: [oneTime] }))).toBe('REWARD_ALREADY_USED');
    // A continuous reward is not exclusive.
    expect(await refusal(bus.request(loyaltyRewardsHold, club, { orderId: 'give-3', contactId: 'fan-back', rewardIds: [continuous] }))).toBe('accepted');

    expect((await bus.request(loyaltyRewardsRelease, club, { orderId: 'give-1' })).state).toBe('released');
    expect(await quotedRewards('fan-back')).toContain(oneTime);
    await bus.request(loyaltyRewardsHold, club, { orderId: 'give-4', contactId: 'fan-back', rewardIds: [oneTime] });
    expect((await bus.request(loyaltyRewardsCapture, club, { orderId: 'give-4' })).state).toBe('captured');
    expect((await bus.request(loyaltyRewardsCapture, club, { orderId: 'give-4' })).state).toBe('captured');
    expect(await refusal(bus.request(loyaltyRewardsHold, club, { orderId: 'give-5', contactId: 'fan-back', rewardIds: [oneTime] }))).toBe('REWARD_ALREADY_USED');
    expect(await quotedRewards('fan-back')).not.toContain(oneTime);
  });

  it('releases rewards still being held when the release comes (the checkout timed out first), so the one-time reward is usable again', async () => {
    let commit: (() => void) | undefined;
    const holding = svc.deps.db.transaction(async (tx) => {
      await holdRewards(tx, 'club', { orderId: 'late-1', contactId: 'fan-late', rewardIds: [oneTime], ttlSeconds: 600 }, new Date());
      await new Promise<void>((r) => (commit = r));
    });
    await eventually(async () => (commit ? true : undefined));
    const releasing = refusal(bus.request(loyaltyRewardsRelease, club, { orderId: 'late-1' }));
    await new Promise((r) => setTimeout(r, 300));
    commit!();
    await holding;
    expect(await releasing).toBe('accepted');
    expect(await quotedRewards('fan-late')).toContain(oneTime);
  });

  it('frees a reward held by an order nobody confirmed once the hold expires, and refuses its late capture', async () => {
    await bus.request(loyaltyRewardsHold, club, { orderId: 'expire-1', contactId: 'fan-expire', rewardIds: [oneTime], ttlSeconds: 1 });
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await refusal(bus.request(loyaltyRewardsCapture, club, { orderId: 'expire-1' }))).toBe('REWARD_HOLD_EXPIRED');
    await svc.deps.db.transaction((tx) => releaseExpiredRewardHolds(tx, new Date()));
    // Freed, it is again one order's only, however many checkouts ask at once.
    const again = await Promise.all(
      Array.from({ length: 10 }, (_, n) => refusal(bus.request(loyaltyRewardsHold, club, { orderId: `expire-${n + 2}`, contactId: 'fan-expire', rewardIds: [oneTime] }))),
    );
    expect(again.filter((r) => r === 'accepted')).toHaveLength(1);
  });

  it('lets exactly one of several checkouts take a one-time reward that a cancelled order gave back', async () => {
    await bus.request(loyaltyRewardsHold, club, { orderId: 'cancel-1', contactId: 'fan-cancel', rewardIds: [oneTime] });
    await bus.request(loyaltyRewardsRelease, club, { orderId: 'cancel-1' });
    await bus.request(loyaltyRewardsRelease, club, { orderId: 'cancel-1' });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, n) => refusal(bus.request(loyaltyRewardsHold, club, { orderId: `cancel-${n + 2}`, contactId: 'fan-cancel', rewardIds: [oneTime] }))),
    );
    expect(results.filter((r) => r === 'accepted')).toHaveLength(1);
    const rows = await svc.deps.db.query(`SELECT state, count(*)::int AS n FROM reward_holds WHERE contact_id = 'fan-cancel' GROUP BY state ORDER BY state`);
    expect(rows).toEqual([
      { state: 'held', n: 1 },
      { state: 'released', n: 1 },
    ]);
  });

  it('refuses rewards for an order released before their hold arrived, and leaves the reward usable', async () => {
    // The checkout gave up on this hold and released the order before the hold reached the service.
    expect(await refusal(bus.request(loyaltyRewardsRelease, club, { orderId: 'gone-1' }))).toBe('REWARD_HOLD_NOT_FOUND');
    expect(await refusal(bus.request(loyaltyRewardsHold, club, { orderId: 'gone-1', contactId: 'fan-gone', rewardIds: [oneTime] }))).toBe('REWARD_HOLD_CLOSED');
    expect(await quotedRewards('fan-gone')).toContain(oneTime);
    expect(await refusal(bus.request(loyaltyRewardsHold, club, { orderId: 'gone-2', contactId: 'fan-gone', rewardIds: [oneTime] }))).toBe('accepted');
  });

  it("refuses another tenant's reward and an unknown order, changing nothing", async () => {
    expect(await refusal(bus.request(loyaltyRewardsHold, testContext('other'), { orderId: 'x-1', contactId: 'fan-x', rewardIds: [oneTime] }))).toBe('REWARD_NOT_FOUND');
    expect(await refusal(bus.request(loyaltyRewardsCapture, club, { orderId: 'never-held' }))).toBe('REWARD_HOLD_NOT_FOUND');
    const rows = await svc.deps.db.query(`SELECT count(*)::int AS n FROM reward_holds WHERE order_id = 'x-1'`);
    expect(rows[0].n).toBe(0);
  });
});
