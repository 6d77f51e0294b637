import {
  Bus,
  CreditNoteConverted,
  jsonCodec,
  loyaltyAccountsAdjust,
  loyaltyAccountsFind,
  loyaltyAccountsGet,
  loyaltyAccountsHistory,
  loyaltyAccountsOpen,
  loyaltyCheckoutQuote,
  loyaltyMyRewards,
  loyaltyPointsCapture,
  loyaltyPointsHold,
  loyaltyPointsRelease,
  loyaltyProgramsClone,
  loyaltyProgramsCreate,
  loyaltyProgramsGet,
  loyaltyProgramsList,
  loyaltyProgramsSetActive,
  loyaltyProgramsUpdate,
  loyaltyRewardsAnalytics,
  loyaltyRewardsCapture,
  loyaltyRewardsClone,
  loyaltyRewardsCreate,
  loyaltyRewardsEligible,
  loyaltyRewardsGrant,
  loyaltyRewardsHold,
  loyaltyRewardsList,
  loyaltyRewardsRelease,
  loyaltyRewardsRevoke,
  loyaltyRewardsSetActive,
  loyaltyRewardsUpdate,
  loyaltyTierProgress,
  OrderCompleted,
  OrderRefunded,
  TicketScanned,
  type EventContract,
  type EventData,
} from '@tlp/contracts';
import { newId, sql, startService, type RunningService } from '@tlp/platform';
import { cleanUp, connectNats, eventually, infra, isolation, serviceEnv, testContext, type Infra } from '@tlp/testkit';
import type { NatsConnection } from 'nats';
import { holdPoints } from '../src/app/ledger';
import { getProgram, type AccountRow } from '../src/app/programs';
import { eligibleContacts } from '../src/app/rewards';
import { loyaltyService } from '../src/service';

const iso = isolation('loyalty');
let i: Infra;
let svc: RunningService;
let nc: NatsConnection;
let bus: Bus;
const acme = testContext('acme');
const other = testContext('other');
let programId = '';

const program = {
  name: 'Stars',
  unit: 'points' as const,
  wording: { en: 'stars', fr: 'étoiles' },
  currency: 'EUR',
  valueNumerator: 1,
  valueDenominator: 1,
  earnRules: [{ kind: 'per-amount' as const, points: 1, perAmountMinor: 100, scope: { productIds: null, families: null, channels: null, pointsOfSale: null } }],
  tiers: [
    { name: 'Silver', criterion: 'events-attended' as const, threshold: 2 },
    { name: 'Gold', criterion: 'events-attended' as const, threshold: 7 },
  ],
};

/** Publishes an event as its producer would; returns its place in the stream. */
async function publish<E extends EventContract>(contract: E, tenantId: string, data: EventData<E>, id = newId()): Promise<number> {
  const ack = await nc.jetstream().publish(iso.subjectPrefix + contract.type, jsonCodec.encode({ id, tenantId, occurredAt: new Date().toISOString(), type: contract.type, data }));
  return ack.seq;
}

/** Waits until loyalty's consumer of the event type has acknowledged every event up to `seq`, applied or dropped as a repeat. */
async function settled(contract: EventContract, seq: number): Promise<void> {
  const jsm = await nc.jetstreamManager();
  const durable = `loyalty__${contract.type.replace(/[.]/g, '_')}`;
  await eventually(async () => ((await jsm.consumers.info(iso.streamName, durable)).ack_floor.stream_seq >= seq ? true : undefined));
}

const order = (orderId: string, contactId: string, totalPaidMinor: number) => ({
  orderId,
  contactId,
  channel: 'web',
  currency: 'EUR',
  totalPaidMinor,
  lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event' as const, quantity: 1, unitPriceMinor: totalPaidMinor, paidMinor: totalPaidMinor, reductions: [], seats: [] }],
  payments: [],
  completedAt: new Date().toISOString(),
});

async function fundedAccount(contactId: string, points: number) {
  const account = await bus.request(loyaltyAccountsOpen, acme, { programId, contactId });
  await bus.request(loyaltyAccountsAdjust, acme, { accountId: account.accountId, adjustmentId: `fund-${contactId}`, points, reason: 'test funds' });
  return account.accountId;
}

beforeAll(async () => {
  i = await infra();
  svc = await startService(loyaltyService, serviceEnv(i, iso, { DB_POOL_SIZE: '20', DB_CONNECTION_WAIT_MS: '1500', EXPIRY_JOB_EVERY_MS: '200' }));
  nc = await connectNats(i);
  bus = new Bus(nc, { subjectPrefix: iso.subjectPrefix, timeoutMs: 20_000 });
  programId = (await bus.request(loyaltyProgramsCreate, acme, program)).programId;
  await bus.request(loyaltyProgramsSetActive, acme, { programId, active: true });
});
afterAll(async () => {
  await svc?.stop();
  await nc?.close();
  await cleanUp(i, iso);
});

describe('loyalty service', () => {
  it('opens an account at the till by phone once, finds it by phone, and announces it for the welcome SMS', async () => {
    const [a, b] = await Promise.all([
      bus.request(loyaltyAccountsOpen, acme, { programId, contactId: 'till-1', phone: '+41 79 000 00 01' }),
      bus.request(loyaltyAccountsOpen, acme, { programId, contactId: 'till-1', phone: '+41 79 000 00 01' }),
    ]);
    expect(a.accountId).toBe(b.accountId);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    expect((await bus.request(loyaltyAccountsFind, acme, { phone: '+41790000001' })).contactId).toBe('till-1');
    const rows = await svc.deps.db.query(`SELECT count(*)::int AS n FROM outbox WHERE type = 'evt.loyalty.account-created' AND envelope->'data'->>'contactId' = 'till-1'`);
    expect(rows[0].n).toBe(1);
  });

  it('earns once for the same order delivered three times, and shows the balance in money with the wording', async () => {
    const data = order('o-earn', 'fan-earn', 12_345);
    const id = newId();
    await publish(OrderCompleted, 'acme', data, id);
    await publish(OrderCompleted, 'acme', data, id);
    // The third time as another message: the order id, not only the event id, decides.
    await settled(OrderCompleted, await publish(OrderCompleted, 'acme', data));
    const after = await bus.request(loyaltyAccountsFind, acme, { contactId: 'fan-earn' });
    expect(after.balance).toBe(123);
    expect(after.balanceValue).toEqual({ amountMinor: 123, currency: 'EUR' });
    expect(after.wording.en).toBe('stars');
  });

  it('lets exactly 100 of 200 simultaneous holds of 10 points on 1,000 points succeed, ending at 0, though they queue longer than a connection wait, and serves other fans meanwhile', async () => {
    const accountId = await fundedAccount('fan-rush', 1000);
    await fundedAccount('fan-calm', 100);
    // The account's row stays locked past the pool's connection wait (1.5 s here): holds waiting
    // for it must wait their turn, not fail for want of a connection, nor keep another fan waiting.
    const lock = svc.deps.db.createQueryRunner();
    await lock.startTransaction();
    await lock.query(`SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE`, [accountId]);
    const lockedAt = Date.now();
    const rush = Promise.allSettled(
      Array.from({ length: 200 }, (_, n) => bus.request(loyaltyPointsHold, acme, { orderId: `rush-${n}`, contactId: 'fan-rush', programId, points: 10 })),
    );
    let whileLocked: unknown;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const calm = bus.request(loyaltyPointsHold, acme, { orderId: 'calm-1', contactId: 'fan-calm', programId, points: 10 });
      whileLocked = await Promise.race([calm.then(() => 'held'), new Promise((r) => setTimeout(r, 1500, 'still waiting'))]);
      await new Promise((r) => setTimeout(r, lockedAt + 2000 - Date.now()));
    } finally {
      await lock.commitTransaction();
      await lock.release();
    }
    expect(whileLocked).toBe('held');
    const results = await rush;
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(100);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(new Set(refused.map((r) => (r.reason as { code: string }).code))).toEqual(new Set(['INSUFFICIENT_POINTS']));
    const account = await bus.request(loyaltyAccountsGet, acme, { accountId });
    expect(account).toMatchObject({ balance: 0, held: 1000 });
  });

  it("does not apply a hold whose caller stopped waiting while the fan's earlier hold had the turn", async () => {
    const accountId = await fundedAccount('fan-gave-up', 100);
    const lock = svc.deps.db.createQueryRunner();
    await lock.startTransaction();
    await lock.query(`SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE`, [accountId]);
    let first: Promise<unknown>;
    try {
      first = bus.request(loyaltyPointsHold, acme, { orderId: 'patient-1', contactId: 'fan-gave-up', programId, points: 30 });
      await new Promise((r) => setTimeout(r, 100));
      await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'gave-up-1', contactId: 'fan-gave-up', programId, points: 40 }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    } finally {
      await lock.commitTransaction();
      await lock.release();
    }
    await first;
    // Its turn came once the first hold was written: nobody waited for it any more, so nothing was held for it.
    await new Promise((r) => setTimeout(r, 200));
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 70, held: 30 });
  });

  it('returns the first hold for a repeat of the same order, captures once, and refuses a release after capture', async () => {
    const accountId = await fundedAccount('fan-hold', 500);
    const first = await bus.request(loyaltyPointsHold, acme, { orderId: 'o-hold', contactId: 'fan-hold', programId, points: 300 });
    const again = await bus.request(loyaltyPointsHold, acme, { orderId: 'o-hold', contactId: 'fan-hold', programId, points: 300 });
    expect(again).toEqual(first);
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-hold', contactId: 'fan-hold', programId, points: 10 })).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await bus.request(loyaltyPointsCapture, acme, { orderId: 'o-hold' });
    await bus.request(loyaltyPointsCapture, acme, { orderId: 'o-hold' });
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 200, held: 0 });
    await expect(bus.request(loyaltyPointsRelease, acme, { orderId: 'o-hold' })).rejects.toMatchObject({ code: 'POINTS_HOLD_CLOSED' });
  });

  it('releases a points hold still being written when the release comes (the checkout timed out first), instead of missing it', async () => {
    const accountId = await fundedAccount('fan-late', 100);
    let commit: (() => void) | undefined;
    const holding = svc.deps.db.transaction(async (tx) => {
      const program = await getProgram(tx, 'acme', programId);
      const [account] = await sql<AccountRow>(tx, `SELECT * FROM accounts WHERE account_id = $1`, [accountId]);
      await holdPoints(tx, 'acme', account!, 'o-late', 30, 600, new Date(), program);
      await new Promise<void>((r) => (commit = r));
    });
    await eventually(async () => (commit ? true : undefined));
    const releasing = bus.request(loyaltyPointsRelease, acme, { orderId: 'o-late' });
    await new Promise((r) => setTimeout(r, 300));
    commit!();
    await holding;
    expect(await releasing).toMatchObject({ orderId: 'o-late', state: 'released' });
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 100, held: 0 });
  });

  it('refuses a points hold for an order released before the hold arrived, taking nothing', async () => {
    const accountId = await fundedAccount('fan-gone', 100);
    // The checkout gave up on this hold and released the order before the hold reached the service.
    expect(await bus.request(loyaltyPointsRelease, acme, { orderId: 'o-gone' })).toBeNull();
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-gone', contactId: 'fan-gone', programId, points: 30, ttlSeconds: 600 })).rejects.toMatchObject({
      code: 'POINTS_HOLD_CLOSED',
    });
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 100, held: 0 });
  });

  it('releases a hold nobody confirmed when it expires, and refuses to capture it', async () => {
    const accountId = await fundedAccount('fan-expire', 100);
    await bus.request(loyaltyPointsHold, acme, { orderId: 'o-expire', contactId: 'fan-expire', programId, points: 60, ttlSeconds: 1 });
    expect((await bus.request(loyaltyAccountsGet, acme, { accountId })).balance).toBe(40);
    await new Promise((r) => setTimeout(r, 1100));
    await expect(bus.request(loyaltyPointsCapture, acme, { orderId: 'o-expire' })).rejects.toMatchObject({ code: expect.stringMatching(/POINTS_HOLD_(EXPIRED|CLOSED)/) });
    await eventually(async () => ((await bus.request(loyaltyAccountsGet, acme, { accountId })).balance === 100 ? true : undefined));
    expect((await bus.request(loyaltyAccountsGet, acme, { accountId })).held).toBe(0);
  });

  it('takes back earned points in proportion to a refund, and credits a credit-note conversion once', async () => {
    await publish(OrderCompleted, 'acme', order('o-refund', 'fan-refund', 10_000));
    const account = await eventually(async () => {
      const a = await bus.request(loyaltyAccountsFind, acme, { contactId: 'fan-refund' }).catch(() => undefined);
      return a?.balance === 100 ? a : undefined;
    });
    await publish(OrderRefunded, 'acme', {
      orderId: 'o-refund',
      refundId: 'r1',
      contactId: 'fan-refund',
      currency: 'EUR',
      lines: [{ lineId: 'l1', amountMinor: 2500 }],
      totalRefundedMinor: 2500,
      split: [],
      reductions: [],
      refundedAt: new Date().toISOString(),
    });
    await eventually(async () => ((await bus.request(loyaltyAccountsGet, acme, { accountId: account.accountId })).balance === 75 ? true : undefined));
    const conversion = { conversionId: 'c1', creditNoteId: 'cn1', contactId: 'fan-refund', amountMinor: 3000, currency: 'EUR' };
    const id = newId();
    await publish(CreditNoteConverted, 'acme', conversion, id);
    await settled(CreditNoteConverted, await publish(CreditNoteConverted, 'acme', conversion, id));
    expect((await bus.request(loyaltyAccountsGet, acme, { accountId: account.accountId })).balance).toBe(3075);
    const history = await bus.request(loyaltyAccountsHistory, acme, { accountId: account.accountId });
    expect(history.entries.map((e) => e.kind)).toEqual(['refund', 'reverse', 'earn']);
  });

  it('tracks attendance into tier progress and applies a reward automatically in the quote', async () => {
    for (let n = 0; n < 6; n++) {
      await publish(TicketScanned, 'acme', { ticketId: `t${n}`, contactId: 'fan-tier', performanceId: 'perf', productId: 'p1', scannedAt: new Date().toISOString() });
    }
    await eventually(async () => ((await bus.request(loyaltyTierProgress, acme, { contactId: 'fan-tier' })).value === 6 ? true : undefined));
    expect(await bus.request(loyaltyTierProgress, acme, { contactId: 'fan-tier' })).toMatchObject({ current: 'Silver', next: 'Gold', percent: 80 });
    const reward = await bus.request(loyaltyRewardsCreate, acme, {
      name: 'Regulars 10%',
      conditions: [{ criterion: 'events-attended', operator: '>=', value: 5 }],
      reward: { type: 'percentage', basisPoints: 1000 },
      validity: { kind: 'one-time' },
    });
    await bus.request(loyaltyRewardsSetActive, acme, { rewardId: reward.rewardId, active: true });
    const quote = await bus.request(loyaltyCheckoutQuote, acme, {
      contactId: 'fan-tier',
      channel: 'web',
      currency: 'EUR',
      lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1, priceMinor: 4000 }],
      pointsToUse: 0,
    });
    expect(quote.rewards).toEqual([{ rewardId: reward.rewardId, name: 'Regulars 10%', fundedBy: 'organizer', lines: [{ lineId: 'l1', amountMinor: 400 }] }]);
    const used = order('o-reward', 'fan-tier', 3600);
    used.lines[0]!.reductions = [{ source: 'reward', ref: reward.rewardId, amountMinor: 400, fundedBy: 'organizer' }] as never;
    await publish(OrderCompleted, 'acme', used);
    await eventually(async () => ((await bus.request(loyaltyRewardsAnalytics, acme, { rewardId: reward.rewardId })).used === 1 ? true : undefined));
    expect(await bus.request(loyaltyRewardsAnalytics, acme, { rewardId: reward.rewardId })).toMatchObject({ used: 1, discountGivenMinor: 400 });
    expect((await bus.request(loyaltyMyRewards, acme, { contactId: 'fan-tier' })).rewards).toMatchObject([{ rewardId: reward.rewardId, state: 'used' }]);
    await expect(bus.request(loyaltyRewardsGrant, acme, { rewardId: reward.rewardId, contactId: 'nobody' })).rejects.toMatchObject({ code: 'REWARD_NOT_ELIGIBLE' });
  });

  it('changes only the fields an update sends: a program or reward keeps its value, rules and funder', async () => {
    const draft = await bus.request(loyaltyProgramsCreate, acme, {
      ...program,
      name: 'Patched',
      valueNumerator: 1,
      valueDenominator: 10,
      pointsValidityDays: 90,
      seasonTicketHoldersOnly: true,
      productPrices: [{ productId: 'scarf', points: 1500 }],
    });
    const patched = await bus.request(loyaltyProgramsUpdate, acme, { programId: draft.programId, tiers: [{ name: 'Gold', criterion: 'events-attended', threshold: 5 }] });
    expect(patched).toMatchObject({
      name: 'Patched',
      valueNumerator: 1,
      valueDenominator: 10,
      pointsValidityDays: 90,
      seasonTicketHoldersOnly: true,
      earnRules: program.earnRules,
      productPrices: [{ productId: 'scarf', points: 1500 }],
      tiers: [{ name: 'Gold', criterion: 'events-attended', threshold: 5 }],
    });
    expect(await bus.request(loyaltyProgramsGet, acme, { programId: draft.programId })).toEqual(patched);

    const reward = await bus.request(loyaltyRewardsCreate, acme, {
      name: 'Partner 5',
      conditions: [{ criterion: 'events-attended', operator: '>=', value: 1 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'one-time' },
      appliesTo: 'tickets',
      fundedBy: 'partner',
      campaign: 'Spring',
    });
    expect(await bus.request(loyaltyRewardsUpdate, acme, { rewardId: reward.rewardId, name: 'Partner 5 %' })).toMatchObject({
      name: 'Partner 5 %',
      appliesTo: 'tickets',
      fundedBy: 'partner',
      campaign: 'Spring',
    });
    // null takes the campaign away; the reward no longer shows in the campaign's search.
    expect((await bus.request(loyaltyRewardsUpdate, acme, { rewardId: reward.rewardId, campaign: null })).campaign ?? null).toBeNull();
    expect((await bus.request(loyaltyRewardsList, acme, { campaign: 'Spring' })).rewards.map((r) => r.rewardId)).not.toContain(reward.rewardId);
  });

  it("keeps a wording's singular and plural per language, and one word as it was given, through create, update, clone and the account", async () => {
    const stars = { en: { one: 'star', other: 'stars' }, fr: { one: 'étoile', other: 'étoiles' } };
    const made = await bus.request(loyaltyProgramsCreate, acme, { ...program, name: 'Singular and plural', wording: stars });
    expect(made.wording).toEqual(stars);
    expect((await bus.request(loyaltyProgramsGet, acme, { programId: made.programId })).wording).toEqual(stars);
    expect((await bus.request(loyaltyProgramsClone, acme, { programId: made.programId, name: 'Its copy' })).wording).toEqual(stars);
    await bus.request(loyaltyProgramsSetActive, acme, { programId: made.programId, active: true });
    const account = await bus.request(loyaltyAccountsOpen, acme, { programId: made.programId, contactId: 'fan-wording' });
    expect(account.wording).toEqual(stars);

    // A client that sends one word per language, as before, reads one word back; one language may have both forms, another one word.
    const oneWord = await bus.request(loyaltyProgramsCreate, acme, { ...program, name: 'One word' });
    expect(oneWord.wording).toEqual({ en: 'stars', fr: 'étoiles' });
    const mixed = { en: { one: 'star', other: 'stars' }, fr: 'étoiles' };
    expect((await bus.request(loyaltyProgramsUpdate, acme, { programId: oneWord.programId, wording: mixed })).wording).toEqual(mixed);
    expect((await bus.request(loyaltyProgramsGet, acme, { programId: oneWord.programId })).wording).toEqual(mixed);

    // Half a pair, or an empty form, is refused and changes nothing.
    for (const wording of [{ en: { one: 'star' } }, { en: { one: '', other: 'stars' } }]) {
      await expect(bus.request(loyaltyProgramsUpdate, acme, { programId: oneWord.programId, wording: wording as never })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await bus.request(loyaltyProgramsGet, acme, { programId: oneWord.programId })).wording).toEqual(mixed);
  });

  it('lists as eligible the contacts meeting the conditions and those granted the reward by hand, even with no purchase yet', async () => {
    const reward = await bus.request(loyaltyRewardsCreate, acme, {
      name: 'Big spenders',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 10_000 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'continuous' },
    });
    await publish(OrderCompleted, 'acme', order('o-big-1', 'fan-big', 12_000));
    await publish(OrderCompleted, 'acme', order('o-small-1', 'fan-small', 2_000));
    const seq = await publish(OrderCompleted, 'acme', order('o-small-2', 'fan-small', 3_000));
    await settled(OrderCompleted, seq);
    await bus.request(loyaltyRewardsGrant, acme, { rewardId: reward.rewardId, contactId: 'fan-newcomer', force: true });
    const { contacts } = await bus.request(loyaltyRewardsEligible, acme, { rewardId: reward.rewardId, limit: 1000 });
    expect(contacts.filter((c) => ['fan-big', 'fan-small', 'fan-newcomer'].includes(c.contactId))).toEqual([
      { contactId: 'fan-big', granted: false },
      { contactId: 'fan-newcomer', granted: true },
    ]);
    // Read two contacts at a time, the same contacts come back, in the same order, up to the limit.
    const paged = await svc.deps.db.transaction((tx) => eligibleContacts(tx, 'acme', reward.rewardId, 1000, new Date(), 2));
    expect(paged).toEqual(contacts);
    const firstTwo = await svc.deps.db.transaction((tx) => eligibleContacts(tx, 'acme', reward.rewardId, 2, new Date(), 2));
    expect(firstTwo).toEqual(contacts.slice(0, 2));
  });

  it('keeps tenants apart on every subject: another tenant sees nothing and changes nothing', async () => {
    const accountId = await fundedAccount('fan-private', 50);
    await expect(bus.request(loyaltyProgramsGet, other, { programId })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyProgramsClone, other, { programId, name: 'x' })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyAccountsGet, other, { accountId })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(bus.request(loyaltyAccountsAdjust, other, { accountId, adjustmentId: 'steal', points: -50, reason: 'x' })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(bus.request(loyaltyPointsHold, other, { orderId: 'x', contactId: 'fan-private', programId, points: 10 })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyPointsCapture, other, { orderId: 'o-hold' })).rejects.toMatchObject({ code: 'POINTS_HOLD_NOT_FOUND' });
    await expect(bus.request(loyaltyAccountsFind, other, { contactId: 'fan-private' })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyProgramsUpdate, other, { programId, name: 'Taken' })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyProgramsSetActive, other, { programId, active: false })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    expect((await bus.request(loyaltyProgramsList, other, {})).programs).toEqual([]);
    await expect(bus.request(loyaltyAccountsHistory, other, { accountId })).rejects.toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    await expect(bus.request(loyaltyAccountsOpen, other, { programId, contactId: 'fan-private' })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyTierProgress, other, { programId, contactId: 'fan-private' })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    const line = { lineId: 'l1', productId: 'p1', productFamily: 'event' as const, quantity: 1, priceMinor: 1000 };
    await expect(bus.request(loyaltyCheckoutQuote, other, { programId, contactId: 'fan-private', channel: 'web', currency: 'EUR', lines: [line], pointsToUse: 0 })).rejects.toMatchObject({
      code: 'PROGRAM_NOT_FOUND',
    });
    await bus.request(loyaltyPointsHold, acme, { orderId: 'o-private', contactId: 'fan-private', programId, points: 10 });
    expect(await bus.request(loyaltyPointsRelease, other, { orderId: 'o-private' })).toBeNull();
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 40, held: 10 });
    expect(await bus.request(loyaltyProgramsGet, acme, { programId })).toMatchObject({ name: 'Stars', active: true });
  });

  it("keeps another tenant away from a tenant's rewards and the rewards its checkouts hold", async () => {
    const reward = await bus.request(loyaltyRewardsCreate, acme, {
      name: 'Members 5%',
      conditions: [{ criterion: 'total-spending', operator: '>=', value: 0 }],
      reward: { type: 'percentage', basisPoints: 500 },
      validity: { kind: 'continuous' },
    });
    const { rewardId } = reward;
    await bus.request(loyaltyRewardsSetActive, acme, { rewardId, active: true });
    await bus.request(loyaltyRewardsGrant, acme, { rewardId, contactId: 'fan-member', force: true });
    await bus.request(loyaltyRewardsHold, acme, { orderId: 'o-member', contactId: 'fan-member', rewardIds: [rewardId] });

    const notFound = { code: 'REWARD_NOT_FOUND' };
    await expect(bus.request(loyaltyRewardsUpdate, other, { rewardId, name: 'Taken' })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsSetActive, other, { rewardId, active: false })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsClone, other, { rewardId, name: 'Copy' })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsEligible, other, { rewardId })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsGrant, other, { rewardId, contactId: 'fan-other', force: true })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsRevoke, other, { rewardId, contactId: 'fan-member' })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsAnalytics, other, { rewardId })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsHold, other, { orderId: 'o-other', contactId: 'fan-member', rewardIds: [rewardId] })).rejects.toMatchObject(notFound);
    await expect(bus.request(loyaltyRewardsCapture, other, { orderId: 'o-member' })).rejects.toMatchObject({ code: 'REWARD_HOLD_NOT_FOUND' });
    await expect(bus.request(loyaltyRewardsRelease, other, { orderId: 'o-member' })).rejects.toMatchObject({ code: 'REWARD_HOLD_NOT_FOUND' });
    expect((await bus.request(loyaltyRewardsList, other, {})).rewards).toEqual([]);
    expect((await bus.request(loyaltyMyRewards, other, { contactId: 'fan-member' })).rewards).toEqual([]);

    // Unchanged at home: the reward as made, still granted to its member, still held by its order.
    expect((await bus.request(loyaltyRewardsList, acme, {})).rewards.find((r) => r.rewardId === rewardId)).toEqual({ ...reward, active: true });
    expect((await bus.request(loyaltyMyRewards, acme, { contactId: 'fan-member' })).rewards).toContainEqual(expect.objectContaining({ rewardId, state: 'active' }));
    expect((await bus.request(loyaltyRewardsCapture, acme, { orderId: 'o-member' })).state).toBe('captured');
  });

  it('refuses bad input with a typed error and changes nothing', async () => {
    const accountId = await fundedAccount('fan-bad', 40);
    await expect(bus.request(loyaltyAccountsAdjust, acme, { accountId, adjustmentId: 'neg', points: -41, reason: 'too much' })).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-bad', contactId: 'fan-bad', programId, points: -5 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-bad', contactId: 'fan-bad', programId: newId(), points: 5 })).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-bad', contactId: 'fan-bad', programId, points: 41 })).rejects.toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    await expect(bus.request(loyaltyPointsCapture, acme, { orderId: 'never-held' })).rejects.toMatchObject({ code: 'POINTS_HOLD_NOT_FOUND' });
    expect(await bus.request(loyaltyAccountsGet, acme, { accountId })).toMatchObject({ balance: 40, held: 0 });
    const history = await bus.request(loyaltyAccountsHistory, acme, { accountId });
    expect(history.entries).toHaveLength(1);
  });

  it("says how many points an account has in its program's words when it refuses to take more: 1 star, not 1 points", async () => {
    const made = await bus.request(loyaltyProgramsCreate, acme, { ...program, name: 'Counted stars', wording: { en: { one: 'star', other: 'stars' } } });
    await bus.request(loyaltyProgramsSetActive, acme, { programId: made.programId, active: true });
    const { accountId } = await bus.request(loyaltyAccountsOpen, acme, { programId: made.programId, contactId: 'fan-one-star' });
    await bus.request(loyaltyAccountsAdjust, acme, { accountId, adjustmentId: 'one-star', points: 1, reason: 'test funds' });
    const refused = { code: 'INSUFFICIENT_POINTS', message: 'The account has 1 star, 2 asked' };
    await expect(bus.request(loyaltyAccountsAdjust, acme, { accountId, adjustmentId: 'two-stars-off', points: -2, reason: 'too much' })).rejects.toMatchObject(refused);
    await expect(bus.request(loyaltyPointsHold, acme, { orderId: 'o-two-stars', contactId: 'fan-one-star', programId: made.programId, points: 2 })).rejects.toMatchObject(refused);
  });

  it("quotes from the set-up as it is now: a program or reward changed a moment ago shows in the very next quote", async () => {
    const venue = testContext('quote-live');
    const live = await bus.request(loyaltyProgramsCreate, venue, program);
    await bus.request(loyaltyProgramsSetActive, venue, { programId: live.programId, active: true });
    const account = await bus.request(loyaltyAccountsOpen, venue, { programId: live.programId, contactId: 'fan-live' });
    await bus.request(loyaltyAccountsAdjust, venue, { accountId: account.accountId, adjustmentId: 'gift', points: 250, reason: 'gift' });
    const ask = () =>
      bus.request(loyaltyCheckoutQuote, venue, {
        contactId: 'fan-live',
        channel: 'web',
        currency: 'EUR',
        lines: [{ lineId: 'l1', productId: 'p1', productFamily: 'event', quantity: 1, priceMinor: 4000 }],
        pointsToUse: 0,
      });
    const first = await ask();
    expect(first).toMatchObject({ pointsEarnable: 40, account: { balance: 250, wording: program.wording }, rewards: [] });

    await bus.request(loyaltyProgramsUpdate, venue, { programId: live.programId, earnRules: [{ ...program.earnRules[0]!, points: 3 }] });
    expect((await ask()).pointsEarnable).toBe(120);

    const reward = await bus.request(loyaltyRewardsCreate, venue, { name: 'Members 5%', conditions: [{ criterion: 'membership-days', operator: '>=', value: 0 }], reward: { type: 'percentage', basisPoints: 500 }, validity: { kind: 'continuous' } });
    await bus.request(loyaltyRewardsSetActive, venue, { rewardId: reward.rewardId, active: true });
    expect((await ask()).rewards.map((r) => r.rewardId)).toEqual([reward.rewardId]);
    await bus.request(loyaltyRewardsSetActive, venue, { rewardId: reward.rewardId, active: false });
    expect((await ask()).rewards).toEqual([]);

    await bus.request(loyaltyProgramsSetActive, venue, { programId: live.programId, active: false });
    await expect(ask()).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
  });
});
