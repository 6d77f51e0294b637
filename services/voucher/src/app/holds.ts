import { DomainError, VoucherRedeemed } from '@tlp/contracts';
import { enqueueEvent, newId, type Tx } from '@tlp/platform';
import { captureDecision, holdRepeatRefusal, releaseDecision, spendRefusal } from '../domain/ledger';
import {
  appendEntry,
  credit,
  debit,
  holdOf,
  inLockOrder,
  insertHold,
  loadAccount,
  lockExpiredHolds,
  lockOrderHolds,
  setHoldStatus,
  takeHoldTurn,
  takeReleaseTurn,
  type Account,
  type AccountKind,
  type Hold,
} from '../db/accounts';
import { captureAtOnce, holdAtOnce } from '../db/at-once';
import type { Ctx, Ports } from './ports';
import { refused } from './refusals';

export interface HoldView {
  holdId: string;
  orderId: string;
  accountId: string;
  amountMinor: number;
  currency: string;
  status: Hold['status'];
  expiresAt: string;
  balanceMinor: number;
}

/** What a hold shows its callers: only its contract's fields (the tenant and account kind stay here). */
export const holdView = (h: Hold, balanceMinor: number): HoldView => ({
  holdId: h.id,
  orderId: h.orderId,
  accountId: h.accountId,
  amountMinor: h.amountMinor,
  currency: h.currency,
  status: h.status,
  expiresAt: h.expiresAt.toISOString(),
  balanceMinor,
});

export interface HoldRequest {
  orderId: string;
  amountMinor: number;
  currency: string;
  ttlSeconds?: number | undefined;
}

/**
 * Reserves part of an account's balance for an order. The hold row (unique per order and
 * account) makes a repeat a replay; the guarded debit makes concurrent holds unable to overdraw.
 * The usual case is one statement; a repeat or a refusal takes the transaction below, which
 * says why.
 */
export async function placeHold(ctx: Ctx, ports: Ports, account: Account, req: HoldRequest): Promise<HoldView> {
  const now = ports.now();
  const ttlMs = req.ttlSeconds !== undefined ? req.ttlSeconds * 1000 : ports.settings.holdTtlMs;
  const hold: Hold = {
    tenantId: ctx.tenantId,
    id: newId(),
    accountId: account.id,
    accountKind: account.kind,
    orderId: req.orderId,
    amountMinor: req.amountMinor,
    currency: req.currency,
    status: 'held',
    expiresAt: new Date(now.getTime() + ttlMs),
  };
  const heldAtOnce = await holdAtOnce(ports.db, account, hold, now, ports, ctx.deadline);
  if (heldAtOnce !== undefined) return holdView(hold, heldAtOnce);
  return ports.db.transaction(async (tx) => {
    // The order's turn, the account, then the hold row, as the one-statement path takes them: no deadlock between the two.
    const open = await takeHoldTurn(tx, ctx.tenantId, req.orderId, account.kind);
    const current = await loadAccount(tx, ctx.tenantId, account.id, true);
    if (!current) throw refused('VOUCHER_NOT_FOUND');
    if (!open) {
      if (await holdOf(tx, ctx.tenantId, req.orderId, account.id)) return replayHold(tx, ctx, account, req);
      throw refused('VOUCHER_ORDER_RELEASED', { orderId: req.orderId });
    }
    if (!(await insertHold(tx, hold))) return replayHold(tx, ctx, account, req);
    const balance = await debit(tx, ctx.tenantId, account.id, req.amountMinor, req.currency, now);
    if (balance === undefined) {
      const refusal = spendRefusal(current, req.currency, now);
      throw refusal
        ? refused(refusal)
        : refused('VOUCHER_INSUFFICIENT_BALANCE', { balanceMinor: current.balanceMinor, requestedMinor: req.amountMinor, currency: current.currency });
    }
    await appendEntry(tx, account, { type: 'hold', deltaMinor: -req.amountMinor, balanceAfterMinor: balance, orderId: req.orderId });
    return holdView(hold, balance);
  });
}

async function replayHold(tx: Tx, ctx: Ctx, account: Account, req: HoldRequest): Promise<HoldView> {
  const existing = await holdOf(tx, ctx.tenantId, req.orderId, account.id);
  const current = await loadAccount(tx, ctx.tenantId, account.id);
  if (!existing || !current) throw new Error('hold or account vanished');
  const refusal = holdRepeatRefusal(existing, req.amountMinor, req.currency);
  if (refusal) throw refused(refusal, { heldMinor: existing.amountMinor, currency: existing.currency });
  return holdView(existing, current.balanceMinor);
}

export interface HoldSelection {
  orderId: string;
  kind: AccountKind;
  accountId?: string | undefined;
}

/**
 * Captures or releases every hold of an order (of one kind, optionally one account). Already
 * settled holds are replayed unchanged, so the same capture or release repeated applies once;
 * one refused hold refuses the whole call and changes nothing. A release takes the order's turn
 * first, so it waits for a hold being written and releases it; a release of the whole order also
 * closes it, even when it finds nothing yet, so that a hold arriving later is refused.
 */
export async function settleOrderHolds(ctx: Ctx, ports: Ports, sel: HoldSelection, action: 'capture' | 'release'): Promise<{ holds: HoldView[] }> {
  const now = ports.now();
  if (action === 'capture') {
    const captured = await captureAtOnce(ports.db, { tenantId: ctx.tenantId, ...sel }, now, ports);
    if (captured) return { holds: [holdView(captured.hold, captured.balanceMinor)] };
  }
  const settled = await ports.db.transaction(async (tx) => {
    if (action === 'release') await takeReleaseTurn(tx, ctx.tenantId, sel.orderId, sel.kind, sel.accountId === undefined);
    const holds = await lockOrderHolds(tx, ctx.tenantId, sel.orderId, sel.kind, sel.accountId);
    if (holds.length === 0) return undefined;
    const settled: HoldView[] = [];
    for (const hold of holds) {
      const decision = action === 'capture' ? captureDecision(hold, now) : releaseDecision(hold);
      if (decision !== 'replay' && decision !== 'capture' && decision !== 'release') {
        throw refused(decision, { orderId: hold.orderId, accountId: hold.accountId });
      }
      const account = await loadAccount(tx, ctx.tenantId, hold.accountId, true);
      if (!account) throw new Error(`account of hold ${hold.id} vanished`);
      if (decision === 'replay') settled.push(holdView(hold, account.balanceMinor));
      else if (decision === 'capture') settled.push(await capture(tx, account, hold));
      else settled.push(await release(tx, account, hold));
    }
    return { holds: settled };
  });
  // Outside the transaction: a release that found nothing has still closed the order to late holds.
  if (!settled) throw refused('VOUCHER_HOLD_NOT_FOUND', { orderId: sel.orderId });
  return settled;
}

async function capture(tx: Tx, account: Account, hold: Hold): Promise<HoldView> {
  await setHoldStatus(tx, hold, 'captured');
  await appendEntry(tx, account, { type: 'capture', deltaMinor: 0, balanceAfterMinor: account.balanceMinor, orderId: hold.orderId });
  if (account.kind === 'voucher') {
    await enqueueEvent(tx, {
      contract: VoucherRedeemed,
      tenantId: account.tenantId,
      data: { voucherId: account.id, kind: 'financial', orderId: hold.orderId, amountMinor: hold.amountMinor, currency: hold.currency },
    });
  }
  return holdView({ ...hold, status: 'captured' }, account.balanceMinor);
}

export async function release(tx: Tx, account: Account, hold: Hold): Promise<HoldView> {
  await setHoldStatus(tx, hold, 'released');
  const balance = await credit(tx, account.tenantId, account.id, hold.amountMinor);
  await appendEntry(tx, account, { type: 'release', deltaMinor: hold.amountMinor, balanceAfterMinor: balance, orderId: hold.orderId });
  return holdView({ ...hold, status: 'released' }, balance);
}

/** The hold-expiry job: gives back what orders held and never confirmed. Returns how many. */
export async function releaseExpiredHolds(ports: Ports, batch = 500): Promise<number> {
  return ports.db.transaction(async (tx) => {
    const holds = await lockExpiredHolds(tx, ports.now(), batch);
    for (const hold of holds.sort(inLockOrder)) {
      const account = await loadAccount(tx, hold.tenantId, hold.accountId, true);
      if (!account) throw new DomainError('INTERNAL', `account of hold ${hold.id} vanished`);
      await release(tx, account, hold);
    }
    return holds.length;
  });
}
