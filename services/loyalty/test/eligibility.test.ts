import { Bus, Criterion, loyaltyRewardsAnalytics, loyaltyRewardsCreate, loyaltyRewardsGrant, Operator, RewardInput, type Condition } from '@tlp/contracts';
import { newId, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { countEligible, createReward, eligibleContacts } from '../src/app/rewards';
import { loyaltyService } from '../src/service';

/**
 * A reward's audience counted in the database (analytics) against the same audience listed
 * contact by contact with the domain's rules (the eligible list).
 */
const iso = isolation('loyalty_eligibility');
let i: Infra;
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const DAY = 86_400_000;

beforeAll(async () => {
  i = await infra();
  svc = await startService(loyaltyService, serviceEnv(i, iso));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 20_000 });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(i, iso);
});

const contactArb = fc.record({
  spending: fc.integer({ min: 0, max: 20_000 }),
  tickets: fc.integer({ min: 0, max: 6 }),
  events: fc.integer({ min: 0, max: 6 }),
  // Milliseconds count: membership days must be cut where a JavaScript date cuts them.
  firstSeenMsAgo: fc.integer({ min: 0, max: 60 * DAY }),
  firstAccountMsAgo: fc.option(fc.integer({ min: 0, max: 60 * DAY })),
  grant: fc.constantFrom('none', 'active', 'revoked'),
});
const conditionArb: fc.Arbitrary<Condition> = fc.record({
  criterion: fc.constantFrom(...Criterion.options),
  operator: fc.constantFrom(...Operator.options),
  value: fc.integer({ min: 0, max: 60 }),
});

describe('a reward audience counted in the database', () => {
  let run = 0;
  it('counts exactly the contacts the eligible list gives, over random activity, accounts, grants and conditions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(contactArb, { maxLength: 10 }), fc.array(conditionArb, { minLength: 1, maxLength: 3 }), async (contacts, conditions) => {
        const tenantId = `t${++run}`;
        const now = new Date(Date.now() - (run % 7) * 3_600_123);
        const counted = await svc.deps.db.transaction(async (tx) => {
          // Spending thresholds up to 60 would match everybody: scale them to the spending drawn.
          const scaled = conditions.map((c) => (c.criterion === 'total-spending' ? { ...c, value: c.value * 300 } : c));
          const reward = await createReward(tx, tenantId, RewardInput.parse({ name: 'r', conditions: scaled, reward: { type: 'percentage', basisPoints: 500 }, validity: { kind: 'continuous' } }));
          const programId = newId();
          await tx.query(`INSERT INTO programs (program_id, tenant_id, settings) VALUES ($1, $2, '{}')`, [programId, tenantId]);
          for (const [n, c] of contacts.entries()) {
            const contactId = `fan-${n}`;
            await tx.query(`INSERT INTO activity (tenant_id, contact_id, total_spending_minor, tickets, events_attended, first_seen_at) VALUES ($1, $2, $3, $4, $5, $6)`, [
              tenantId,
              contactId,
              c.spending,
              c.tickets,
              c.events,
              new Date(now.getTime() - c.firstSeenMsAgo),
            ]);
            if (c.firstAccountMsAgo !== null) {
              await tx.query(`INSERT INTO accounts (account_id, tenant_id, program_id, contact_id, created_at) VALUES ($1, $2, $3, $4, $5)`, [
                newId(),
                tenantId,
                programId,
                contactId,
                new Date(now.getTime() - c.firstAccountMsAgo),
              ]);
            }
            if (c.grant !== 'none') {
              await tx.query(`INSERT INTO reward_grants (tenant_id, reward_id, contact_id, state, manual) VALUES ($1, $2, $3, $4, true)`, [tenantId, reward.rewardId, contactId, c.grant]);
            }
          }
          // Granted by hand with no activity at all: part of the audience too.
          await tx.query(`INSERT INTO reward_grants (tenant_id, reward_id, contact_id, state, manual) VALUES ($1, $2, 'newcomer', 'active', true)`, [tenantId, reward.rewardId]);
          const listed = await eligibleContacts(tx, tenantId, reward.rewardId, Number.MAX_SAFE_INTEGER, now);
          return { listed: listed.length, counted: await countEligible(tx, tenantId, reward, now) };
        });
        expect(counted.counted).toBe(counted.listed);
      }),
      { numRuns: 60 },
    );
  });

  it('gives a crowd of more than 100,000 eligible contacts its exact number, and another tenant nothing of it', async () => {
    const acme = testContext('crowd');
    const reward = await bus.request(loyaltyRewardsCreate, acme, {
      name: 'Regulars',
      conditions: [{ criterion: 'tickets-purchased', operator: '>=', value: 2 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'continuous' },
    });
    // 200,001 fans with 0 to 3 tickets (fan-n has n mod 4): those with 2 or 3 are 100,000.
    await svc.deps.db.query(`INSERT INTO activity (tenant_id, contact_id, tickets) SELECT 'crowd', 'fan-' || n, n % 4 FROM generate_series(1, 200001) AS n`);
    // One granted by hand who has not bought yet, and one granted who qualifies anyway: counted once.
    await bus.request(loyaltyRewardsGrant, acme, { rewardId: reward.rewardId, contactId: 'fan-newcomer', force: true });
    await bus.request(loyaltyRewardsGrant, acme, { rewardId: reward.rewardId, contactId: 'fan-2', force: true });
    const analytics = await bus.request(loyaltyRewardsAnalytics, acme, { rewardId: reward.rewardId });
    expect(analytics.eligible).toBe(100_000 + 1);
    await expect(bus.request(loyaltyRewardsAnalytics, testContext('elsewhere'), { rewardId: reward.rewardId })).rejects.toMatchObject({ code: 'REWARD_NOT_FOUND' });
  });
});
