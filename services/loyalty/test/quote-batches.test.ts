import { Bus, loyaltyAccountsAdjust, loyaltyAccountsOpen, loyaltyCheckoutQuote, loyaltyProgramsCreate, loyaltyProgramsSetActive, loyaltyRewardsCreate, loyaltyRewardsSetActive, type RequestContext } from '@tlp/contracts';
import { startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { loyaltyService } from '../src/service';

/**
 * Quotes asked at once share one statement (the platform's Batches); each must still read its
 * own tenant's contact, exactly as when it is asked alone.
 */
const iso = isolation('loyalty_quote_batches');
let i: Infra;
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const club = testContext('club');
const rival = testContext('rival');
const FANS = 5;
const pointsOf = (tenant: RequestContext, n: number) => (tenant === club ? 100 * (n + 1) : 7000 + n);

const quote = (tenant: RequestContext, contactId: string) =>
  bus.request(loyaltyCheckoutQuote, tenant, {
    contactId,
    channel: 'web',
    currency: 'EUR',
    lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 2, priceMinor: 9000, payInPoints: false }],
    pointsToUse: 0,
  });

beforeAll(async () => {
  i = await infra();
  svc = await startService(loyaltyService, serviceEnv(i, iso));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix });
  for (const tenant of [club, rival]) {
    const { programId } = await bus.request(loyaltyProgramsCreate, tenant, { name: 'Members', unit: 'points', wording: { en: 'points' }, currency: 'EUR' });
    await bus.request(loyaltyProgramsSetActive, tenant, { programId, active: true });
    for (let n = 0; n < FANS; n++) {
      const { accountId } = await bus.request(loyaltyAccountsOpen, tenant, { programId, contactId: `fan-${n}` });
      await bus.request(loyaltyAccountsAdjust, tenant, { accountId, adjustmentId: `fund-${n}`, points: pointsOf(tenant, n), reason: 'test funds' });
    }
  }
  // Only the rival's fans have a reward: a quote answered with the other tenant's row would show it.
  const { rewardId } = await bus.request(loyaltyRewardsCreate, rival, {
    name: 'Members 10%',
    conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
    reward: { type: 'percentage', basisPoints: 1000 },
    validity: { kind: 'continuous' },
  });
  await bus.request(loyaltyRewardsSetActive, rival, { rewardId, active: true });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(i, iso);
});

describe('quotes asked at once', () => {
  it('answer each quote with its own tenant and contact, the same as quotes asked one by one', async () => {
    const asked = fc.array(fc.record({ tenant: fc.constantFrom(club, rival), fan: fc.integer({ min: 0, max: FANS }) }), { minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(asked, async (quotes) => {
        // fan-5 has no account in either tenant.
        const together = await Promise.all(quotes.map((q) => quote(q.tenant, `fan-${q.fan}`)));
        const alone = [];
        for (const q of quotes) alone.push(await quote(q.tenant, `fan-${q.fan}`));
        expect(together).toEqual(alone);
        together.forEach((answer, n) => {
          const { tenant, fan } = quotes[n]!;
          expect(answer.account?.balance ?? null).toBe(fan < FANS ? pointsOf(tenant, fan) : null);
          expect(answer.account?.contactId ?? `fan-${fan}`).toBe(`fan-${fan}`);
          expect(answer.rewards).toHaveLength(tenant === rival ? 1 : 0);
        });
      }),
      { numRuns: 15 },
    );
  });
});
