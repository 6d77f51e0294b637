import {
  DomainError,
  loyaltyAccountsAdjust,
  loyaltyAccountsFind,
  loyaltyAccountsGet,
  loyaltyAccountsHistory,
  loyaltyAccountsOpen,
  loyaltyCheckoutQuote,
  loyaltyMyRewards,
  loyaltyRewardsCapture,
  loyaltyRewardsHold,
  loyaltyRewardsRelease,
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
  loyaltyRewardsClone,
  loyaltyRewardsCreate,
  loyaltyRewardsEligible,
  loyaltyRewardsGrant,
  loyaltyRewardsList,
  loyaltyRewardsRevoke,
  loyaltyRewardsSetActive,
  loyaltyRewardsUpdate,
  loyaltyTierProgress,
} from '@tlp/contracts';
import { handle, onceByKey, sql, Turns, type Gate, type HandlerContext, type RequestHandler, type Tx } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import { progress, quote } from '../app/checkout';
import { accountView, captureHold, credit, debit, holdPoints, holdView, lockAccount, lotExpiry, releaseHold } from '../app/ledger';
import { cloneProgram, createProgram, getProgram, listPrograms, openAccount, resolveProgram, setProgramActive, updateProgram, type AccountRow } from '../app/programs';
import { captureRewards, holdRewards, releaseRewards } from '../app/reward-holds';
import {
  createReward,
  eligibleContacts,
  getReward,
  grantReward,
  listRewards,
  myRewards,
  revokeReward,
  rewardAnalytics,
  setRewardActive,
  updateReward,
} from '../app/rewards';

/**
 * Thin NATS handlers: each opens the transaction and calls one use case. Transactions pass the
 * gate: a burst waits there in order instead of running out the pool's connection wait. A fan's
 * holds take turns before it, so a burst on one account (each hold waiting for its row) holds one
 * place at the gate, not all of them. The quote reads outside it.
 */
export function loyaltyHandlers(db: DataSource, gate: Gate, clock: () => Date = () => new Date()): RequestHandler[] {
  // The caller's deadline goes with the work: a hold whose caller has given up is not started.
  const tx = <T>(ctx: HandlerContext, work: (t: Tx) => Promise<T>) => gate.run(() => db.transaction(work), ctx.deadline);
  const fanTurns = new Turns();
  const inFansTurn = <T>(ctx: HandlerContext, contactId: string, work: (t: Tx) => Promise<T>) =>
    fanTurns.run(`${ctx.tenantId}/${contactId}`, () => tx(ctx, work), ctx.deadline);
  const accountOf = async (t: Tx, tenantId: string, accountId: string) => {
    const [row] = await sql<AccountRow>(t, `SELECT * FROM accounts WHERE tenant_id = $1 AND account_id = $2`, [tenantId, accountId]);
    if (!row) throw new DomainError('ACCOUNT_NOT_FOUND', `No loyalty account ${accountId}`);
    return row;
  };
  return [
    handle(loyaltyProgramsCreate, (ctx, input) => tx(ctx, (t) => createProgram(t, ctx, input))),
    handle(loyaltyProgramsUpdate, (ctx, { programId, ...changes }) => tx(ctx, (t) => updateProgram(t, ctx.tenantId, programId, changes))),
    handle(loyaltyProgramsGet, (ctx, { programId }) => tx(ctx, (t) => getProgram(t, ctx.tenantId, programId))),
    handle(loyaltyProgramsList, (ctx) => tx(ctx, async (t) => ({ programs: await listPrograms(t, ctx.tenantId) }))),
    handle(loyaltyProgramsSetActive, (ctx, { programId, active }) => tx(ctx, (t) => setProgramActive(t, ctx.tenantId, programId, active))),
    handle(loyaltyProgramsClone, (ctx, { programId, name }) => tx(ctx, (t) => cloneProgram(t, ctx, programId, name))),

    handle(loyaltyAccountsGet, (ctx, { accountId }) =>
      tx(ctx, async (t) => {
        const account = await accountOf(t, ctx.tenantId, accountId);
        return accountView(t, account, await getProgram(t, ctx.tenantId, account.program_id), clock());
      }),
    ),
    handle(loyaltyAccountsFind, (ctx, q) =>
      tx(ctx, async (t) => {
        const program = await resolveProgram(t, ctx.tenantId, q.programId);
        const [row] = await sql<AccountRow>(
          t,
          `SELECT * FROM accounts WHERE tenant_id = $1 AND program_id = $2 AND ($3::text IS NULL OR contact_id = $3) AND ($4::text IS NULL OR phone = $4) LIMIT 1`,
          [ctx.tenantId, program.programId, q.contactId ?? null, q.phone ?? null],
        );
        if (!row) throw new DomainError('ACCOUNT_NOT_FOUND', 'No loyalty account for this contact or phone');
        return accountView(t, row, program, clock());
      }),
    ),
    handle(loyaltyAccountsOpen, (ctx, q) =>
      tx(ctx, async (t) => {
        const program = await resolveProgram(t, ctx.tenantId, q.programId);
        const { account, created } = await openAccount(t, ctx.tenantId, program, q.contactId, q.phone ?? null);
        return { ...(await accountView(t, account, program, clock())), created };
      }),
    ),
    handle(loyaltyAccountsHistory, (ctx, { accountId, limit }) =>
      tx(ctx, async (t) => {
        await accountOf(t, ctx.tenantId, accountId);
        const rows = await sql<{ entry_id: string; kind: 'earn'; points: number; balance_after: number; order_id: string | null; reason: string | null; at: Date }>(
          t,
          `SELECT * FROM entries WHERE tenant_id = $1 AND account_id = $2 ORDER BY entry_id DESC LIMIT $3`,
          [ctx.tenantId, accountId, limit],
        );
        return {
          entries: rows.map((r) => ({ entryId: r.entry_id, kind: r.kind, points: r.points, balanceAfter: r.balance_after, orderId: r.order_id, reason: r.reason, at: new Date(r.at).toISOString() })),
        };
      }),
    ),
    handle(loyaltyAccountsAdjust, (ctx, input) =>
      tx(ctx, async (t) =>
        onceByKey(t, { tenantId: ctx.tenantId, scope: 'accounts.adjust', key: input.adjustmentId }, input, async () => {
          const account = await lockAccount(t, ctx.tenantId, input.accountId);
          const program = await getProgram(t, ctx.tenantId, account.program_id);
          const change = { kind: 'adjust' as const, reason: `${input.reason} (by ${ctx.actor?.sub ?? 'unknown'})` };
          const after =
            input.points > 0
              ? await credit(t, ctx.tenantId, account, input.points, lotExpiry(program, clock()), change)
              : (await debit(t, ctx.tenantId, account, -input.points, clock(), change, { wording: program.wording })).account;
          return accountView(t, after, program, clock());
        }),
      ),
    ),

    handle(loyaltyPointsHold, (ctx, input) =>
      inFansTurn(ctx, input.contactId, async (t) => {
        const program = await resolveProgram(t, ctx.tenantId, input.programId);
        const { account } = await openAccount(t, ctx.tenantId, program, input.contactId, null);
        return holdView(await holdPoints(t, ctx.tenantId, account, input.orderId, input.points, input.ttlSeconds, clock(), program, input.products), program);
      }),
    ),
    handle(loyaltyPointsCapture, (ctx, { orderId }) =>
      tx(ctx, async (t) => {
        const hold = await captureHold(t, ctx.tenantId, orderId, clock());
        const account = await accountOf(t, ctx.tenantId, hold.account_id);
        return holdView(hold, await getProgram(t, ctx.tenantId, account.program_id));
      }),
    ),
    handle(loyaltyPointsRelease, (ctx, { orderId }) =>
      tx(ctx, async (t) => {
        const hold = await releaseHold(t, ctx.tenantId, orderId);
        if (!hold) return null;
        const account = await accountOf(t, ctx.tenantId, hold.account_id);
        return holdView(hold, await getProgram(t, ctx.tenantId, account.program_id));
      }),
    ),

    handle(loyaltyRewardsCreate, (ctx, input) => tx(ctx, (t) => createReward(t, ctx.tenantId, input))),
    handle(loyaltyRewardsUpdate, (ctx, { rewardId, ...changes }) => tx(ctx, (t) => updateReward(t, ctx.tenantId, rewardId, changes))),
    handle(loyaltyRewardsList, (ctx, filter) => tx(ctx, async (t) => ({ rewards: await listRewards(t, ctx.tenantId, filter) }))),
    handle(loyaltyRewardsSetActive, (ctx, { rewardId, active }) => tx(ctx, (t) => setRewardActive(t, ctx.tenantId, rewardId, active))),
    handle(loyaltyRewardsClone, (ctx, { rewardId, name }) =>
      tx(ctx, async (t) => {
        const { rewardId: _id, active: _a, createdAt: _c, ...settings } = await getReward(t, ctx.tenantId, rewardId);
        return createReward(t, ctx.tenantId, { ...settings, name });
      }),
    ),
    handle(loyaltyRewardsEligible, (ctx, { rewardId, limit }) => tx(ctx, async (t) => ({ contacts: await eligibleContacts(t, ctx.tenantId, rewardId, limit, clock()) }))),
    handle(loyaltyRewardsGrant, (ctx, { rewardId, contactId, force }) => tx(ctx, (t) => grantReward(t, ctx.tenantId, rewardId, contactId, force, clock()))),
    handle(loyaltyRewardsRevoke, (ctx, { rewardId, contactId }) => tx(ctx, (t) => revokeReward(t, ctx.tenantId, rewardId, contactId))),
    handle(loyaltyRewardsAnalytics, (ctx, { rewardId }) => tx(ctx, (t) => rewardAnalytics(t, ctx.tenantId, rewardId, clock()))),
    handle(loyaltyRewardsHold, (ctx, input) => inFansTurn(ctx, input.contactId, (t) => holdRewards(t, ctx.tenantId, input, clock()))),
    handle(loyaltyRewardsCapture, (ctx, { orderId }) => tx(ctx, (t) => captureRewards(t, ctx.tenantId, orderId, clock()))),
    handle(loyaltyRewardsRelease, async (ctx, { orderId }) => {
      const released = await tx(ctx, (t) => releaseRewards(t, ctx.tenantId, orderId));
      // Outside the transaction: a release that found nothing has still closed the order to late holds.
      if (!released) throw new DomainError('REWARD_HOLD_NOT_FOUND', `No reward hold for order ${orderId}`);
      return released;
    }),
    handle(loyaltyMyRewards, (ctx, { contactId }) => tx(ctx, async (t) => ({ rewards: await myRewards(t, ctx.tenantId, contactId, clock()) }))),
    handle(loyaltyTierProgress, (ctx, { contactId, programId }) => tx(ctx, (t) => progress(t, ctx.tenantId, contactId, programId, clock()))),
    handle(loyaltyCheckoutQuote, (ctx, q) => quote(db, ctx.tenantId, q, clock())),
  ];
}
