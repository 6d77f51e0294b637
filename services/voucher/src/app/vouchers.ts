import { DomainError, VoucherExpired, VoucherSold, type AccountingLine, type ExperienceGrant, type VatTiming } from '@tlp/contracts';
import { enqueueEvent, newId, onceByKey, type Tx } from '@tlp/platform';
import { codeHash, codeHint, generateCode } from '../domain/codes';
import { isPastValidity } from '../domain/ledger';
import { hashPin } from '../domain/pin';
import {
  appendEntry,
  closeAccount,
  credit,
  entriesOf,
  hasHeld,
  heldSum,
  holdsOfAccount,
  insertAccount,
  lockHeldOfAccount,
  type Queryable,
} from '../db/accounts';
import { accountingLinesOf, insertAccountingLines, insertVoucher, lockExpiring, markCancelled, voucherById, vouchersOfContact, type Voucher } from '../db/vouchers';
import { openVoucher } from './access';
import { holdView, placeHold, release, settleOrderHolds, type HoldView } from './holds';
import type { Ctx, Ports } from './ports';
import { refused } from './refusals';

export interface VoucherView {
  voucherId: string;
  kind: 'financial' | 'experience';
  status: Voucher['status'];
  codeHint: string;
  currency: string;
  faceValueMinor: number;
  balanceMinor: number;
  heldMinor: number;
  validFrom: string;
  validUntil: string;
  pinProtected: boolean;
  contactId: string | null;
  grant: ExperienceGrant | null;
}

export async function voucherView(q: Queryable, v: Voucher): Promise<VoucherView> {
  return {
    voucherId: v.id,
    kind: v.voucherKind,
    status: v.status,
    codeHint: v.codeHint,
    currency: v.currency,
    faceValueMinor: v.faceValueMinor,
    balanceMinor: v.balanceMinor,
    heldMinor: v.voucherKind === 'financial' ? await heldSum(q, v.tenantId, v.id) : 0,
    validFrom: v.validFrom.toISOString(),
    validUntil: (v.validUntil ?? v.validFrom).toISOString(),
    pinProtected: v.pinHash !== null,
    contactId: v.contactId,
    grant: v.grant,
  };
}

export interface SaleInput {
  saleId: string;
  currency: string;
  validFrom?: string | undefined;
  validUntil: string;
  pin?: string | undefined;
  contactId?: string | undefined;
  orderId?: string | undefined;
}

export interface Issue {
  kind: 'financial' | 'experience';
  valueMinor: number;
  grant?: ExperienceGrant;
  experience?: { season: string; vatCode: string; vatRateBp: number; vatTiming: VatTiming; lines: AccountingLine[] };
}

/**
 * Sells a voucher once per sale id. The code exists in clear only in the reply; the tables keep
 * its hash. The reply is what `onceByKey` replays to a retried sale, so a caller that lost the
 * first answer still gets the code (see README: it sits in idempotent_commands).
 */
export async function sellVoucher(ctx: Ctx, ports: Ports, input: SaleInput, issue: Issue): Promise<VoucherView & { code: string }> {
  const now = ports.now();
  const validFrom = input.validFrom ? new Date(input.validFrom) : now;
  const validUntil = new Date(input.validUntil);
  if (validUntil <= validFrom || validUntil <= now) {
    throw new DomainError('VALIDATION_FAILED', 'validUntil must be after validFrom and in the future', { validFrom, validUntil });
  }
  const pinHash = input.pin ? await hashPin(input.pin) : null;
  const request = { ...input, pin: input.pin ? 'set' : undefined, issue };
  return ports.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: `vouchers.sell`, key: input.saleId }, request, async () => {
      const code = generateCode();
      const id = newId();
      const base = { tenantId: ctx.tenantId, id, contactId: input.contactId ?? null, currency: input.currency };
      await insertAccount(tx, { ...base, kind: 'voucher', validFrom, validUntil });
      await insertVoucher(tx, {
        tenantId: ctx.tenantId,
        id,
        kind: issue.kind,
        codeHash: codeHash(code),
        codeHint: codeHint(code),
        pinHash,
        faceValueMinor: issue.valueMinor,
        saleId: input.saleId,
        orderId: input.orderId ?? null,
        grant: issue.grant ?? null,
        season: issue.experience?.season ?? null,
        vatCode: issue.experience?.vatCode ?? null,
        vatRateBp: issue.experience?.vatRateBp ?? null,
        vatTiming: issue.experience?.vatTiming ?? null,
      });
      const account = { ...base, kind: 'voucher' as const };
      // An experience voucher grants a ticket, not money: its sale is on the ledger at zero.
      const balance = issue.kind === 'financial' ? await credit(tx, ctx.tenantId, id, issue.valueMinor) : 0;
      await appendEntry(tx, account, { type: 'sale', deltaMinor: balance, balanceAfterMinor: balance, orderId: input.orderId, ref: input.saleId });
      if (issue.experience) await insertAccountingLines(tx, ctx.tenantId, id, issue.experience.lines);
      await enqueueEvent(tx, {
        contract: VoucherSold,
        tenantId: ctx.tenantId,
        data: {
          voucherId: id,
          kind: issue.kind,
          valueMinor: issue.valueMinor,
          currency: input.currency,
          validUntil: validUntil.toISOString(),
          ...(input.contactId ? { contactId: input.contactId } : {}),
          ...(input.orderId ? { orderId: input.orderId } : {}),
          ...(issue.grant ? { grant: issue.grant } : {}),
        },
      });
      const sold = await voucherById(tx, ctx.tenantId, id);
      if (!sold) throw new Error('sold voucher vanished');
      return { ...(await voucherView(tx, sold)), code };
    }),
  );
}

/** Ids come from outside: one that is not even a UUID is simply not found (no SQL cast error). */
export const isUuid = (s: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export async function requireVoucher(q: Queryable, ctx: Ctx, voucherId: string, lock = false): Promise<Voucher> {
  const v = isUuid(voucherId) ? await voucherById(q, ctx.tenantId, voucherId, lock) : undefined;
  if (!v) throw refused('VOUCHER_NOT_FOUND');
  return v;
}

export async function balanceByCode(ctx: Ctx, ports: Ports, code: string, pin: string | undefined): Promise<VoucherView> {
  return voucherView(ports.db, await openVoucher(ctx, ports, code, pin));
}

export async function getVoucher(ctx: Ctx, ports: Ports, voucherId: string): Promise<VoucherView> {
  return voucherView(ports.db, await requireVoucher(ports.db, ctx, voucherId));
}

export async function contactVouchers(ctx: Ctx, ports: Ports, input: { contactId: string; status?: Voucher['status'] | undefined }): Promise<{ vouchers: VoucherView[] }> {
  const found = await vouchersOfContact(ports.db, ctx.tenantId, input.contactId, input.status);
  return { vouchers: await Promise.all(found.map((v) => voucherView(ports.db, v))) };
}

export async function voucherHistory(ctx: Ctx, ports: Ports, voucherId: string) {
  const v = await requireVoucher(ports.db, ctx, voucherId);
  const [entries, holds, accounting] = await Promise.all([
    entriesOf(ports.db, ctx.tenantId, v.id),
    holdsOfAccount(ports.db, ctx.tenantId, v.id),
    accountingLinesOf(ports.db, ctx.tenantId, v.id),
  ]);
  const balanceMinor = v.balanceMinor;
  return {
    voucher: await voucherView(ports.db, v),
    entries,
    holds: holds.map((h) => holdView(h, balanceMinor)),
    accounting,
  };
}

export interface VoucherHoldInput {
  orderId: string;
  code: string;
  pin?: string | undefined;
  amountMinor: number;
  currency: string;
  ttlSeconds?: number | undefined;
}

export async function holdVoucher(ctx: Ctx, ports: Ports, input: VoucherHoldInput): Promise<HoldView> {
  const voucher = await openVoucher(ctx, ports, input.code, input.pin);
  if (voucher.voucherKind !== 'financial') throw refused('VOUCHER_WRONG_KIND', { kind: voucher.voucherKind });
  return placeHold(ctx, ports, voucher, input);
}

export const settleVoucherHolds = (ctx: Ctx, ports: Ports, input: { orderId: string; voucherId?: string | undefined }, action: 'capture' | 'release') =>
  settleOrderHolds(ctx, ports, { orderId: input.orderId, kind: 'voucher', accountId: voucherFilter(input.voucherId) }, action);

/** A voucher id that cannot exist selects nothing rather than everything. */
const voucherFilter = (voucherId: string | undefined): string | undefined =>
  voucherId === undefined ? undefined : isUuid(voucherId) ? voucherId : '00000000-0000-0000-0000-000000000000';

/**
 * An operator's cancellation: holds in flight are released first (their orders cannot be
 * confirmed any more), then the balance is voided. Cancelling twice changes nothing.
 */
export async function cancelVoucher(ctx: Ctx, ports: Ports, input: { voucherId: string; reason: string }): Promise<VoucherView> {
  return ports.db.transaction(async (tx) => {
    await requireVoucher(tx, ctx, input.voucherId);
    // Holds before the account: the order every other path takes its locks in.
    const held = await lockHeldOfAccount(tx, ctx.tenantId, input.voucherId);
    const voucher = await requireVoucher(tx, ctx, input.voucherId, true);
    if (voucher.status === 'cancelled') return voucherView(tx, voucher);
    if (voucher.status !== 'active') throw new DomainError('CONFLICT', `A voucher that is ${voucher.status} cannot be cancelled`, { status: voucher.status });
    let balance = voucher.balanceMinor;
    for (const hold of held) balance = (await release(tx, voucher, hold)).balanceMinor;
    await closeAccount(tx, ctx.tenantId, voucher.id, 'cancelled');
    await markCancelled(tx, ctx.tenantId, voucher.id, input.reason);
    await appendEntry(tx, voucher, { type: 'cancellation', deltaMinor: -balance, balanceAfterMinor: 0, ref: input.reason });
    return voucherView(tx, (await voucherById(tx, ctx.tenantId, voucher.id)) ?? voucher);
  });
}

/** The voucher-expiry job: a voucher past its validity with nothing held forfeits its balance. */
export async function expireVouchers(ports: Ports, batch = 500): Promise<number> {
  const now = ports.now();
  return ports.db.transaction(async (tx) => {
    const due = await lockExpiring(tx, now, batch);
    let expired = 0;
    for (const v of due) {
      // A hold placed just before the lock was taken lets its order finish first.
      if (!isPastValidity(v, now) || (await hasHeld(tx, v.tenantId, v.id))) continue;
      await expire(tx, v);
      expired++;
    }
    return expired;
  });
}

async function expire(tx: Tx, v: Voucher): Promise<void> {
  await closeAccount(tx, v.tenantId, v.id, 'expired');
  await appendEntry(tx, v, { type: 'expiry', deltaMinor: -v.balanceMinor, balanceAfterMinor: 0 });
  await enqueueEvent(tx, {
    contract: VoucherExpired,
    tenantId: v.tenantId,
    data: { voucherId: v.id, kind: v.voucherKind, forfeitedMinor: v.balanceMinor, currency: v.currency },
  });
}
