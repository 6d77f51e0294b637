import { VoucherRedeemed, type AccountingLine, type ExperienceGrant, type VatTiming } from '@tlp/contracts';
import { enqueueEvent, sql } from '@tlp/platform';
import { spendRefusal } from '../domain/ledger';
import { redemptionLines, saleLines } from '../domain/vat';
import { appendEntry } from '../db/accounts';
import {
  accountingLinesOf,
  insertAccountingLines,
  markRedeemed,
  openProducts,
  setVatTiming,
  upsertOpenProduct,
  vatTimingOf,
  voucherById,
  type OpenProductRow,
} from '../db/vouchers';
import { openVoucher } from './access';
import type { Ctx, Ports } from './ports';
import { refused } from './refusals';
import { sellVoucher, type SaleInput } from './vouchers';

export async function setVatSetting(ctx: Ctx, ports: Ports, vatTiming: VatTiming): Promise<{ vatTiming: VatTiming }> {
  await setVatTiming(ports.db, ctx.tenantId, vatTiming);
  return { vatTiming };
}

export async function getVatSetting(ctx: Ctx, ports: Ports): Promise<{ vatTiming: VatTiming | null }> {
  return { vatTiming: await vatTimingOf(ports.db, ctx.tenantId) };
}

export async function setOpenProduct(ctx: Ctx, ports: Ports, p: OpenProductRow): Promise<OpenProductRow> {
  await upsertOpenProduct(ports.db, ctx.tenantId, p);
  return p;
}

export async function listOpenProducts(ctx: Ctx, ports: Ports, season?: string): Promise<{ openProducts: OpenProductRow[] }> {
  return { openProducts: await openProducts(ports.db, ctx.tenantId, season) };
}

export interface ExperienceSaleInput extends SaleInput {
  priceMinor: number;
  season: string;
  vatCode: string;
  vatRateBp: number;
  grant: ExperienceGrant;
}

/**
 * Sells an experience voucher. The tenant's VAT timing is read now and kept on the voucher, so a
 * later change of the setting does not rewrite how vouchers already sold are accounted.
 */
export async function sellExperience(ctx: Ctx, ports: Ports, input: ExperienceSaleInput) {
  const vatTiming = await vatTimingOf(ports.db, ctx.tenantId);
  if (!vatTiming) throw refused('VOUCHER_VAT_TIMING_NOT_SET');
  const price = { priceMinor: input.priceMinor, currency: input.currency, vatCode: input.vatCode };
  const lines = saleLines(vatTiming, price, input.vatRateBp);
  const sold = await sellVoucher(ctx, ports, input, {
    kind: 'experience',
    valueMinor: input.priceMinor,
    grant: input.grant,
    experience: { season: input.season, vatCode: input.vatCode, vatRateBp: input.vatRateBp, vatTiming, lines },
  });
  return { ...sold, accounting: await accountingLinesOf(ports.db, ctx.tenantId, sold.voucherId, 'sale') };
}

export interface RedeemInput {
  code: string;
  pin?: string | undefined;
  redemptionId: string;
  orderId?: string | undefined;
}

/**
 * Redeems an experience voucher for its ticket, with no payment. The status flip
 * (`active` → `redeemed`, guarded) lets one redemption through; the same redemption id asked
 * again replays its lines, another is refused. The open product of the voucher's VAT code and
 * season must exist, or nothing changes.
 */
export async function redeemExperience(
  ctx: Ctx,
  ports: Ports,
  input: RedeemInput,
): Promise<{ voucherId: string; grant: ExperienceGrant; accounting: AccountingLine[] }> {
  const found = await openVoucher(ctx, ports, input.code, input.pin);
  if (found.voucherKind !== 'experience' || !found.grant || !found.vatTiming || !found.vatCode || !found.season) {
    throw refused('VOUCHER_WRONG_KIND', { kind: found.voucherKind });
  }
  const { grant, vatTiming, vatCode, season } = found;
  const now = ports.now();
  return ports.db.transaction(async (tx) => {
    const flipped = await sql(
      tx,
      `UPDATE accounts SET status = 'redeemed' WHERE tenant_id = $1 AND id = $2 AND status = 'active'
         AND valid_from <= $3 AND (valid_until IS NULL OR valid_until > $3) RETURNING id`,
      [ctx.tenantId, found.id, now],
    );
    if (flipped.length === 0) {
      const current = await voucherById(tx, ctx.tenantId, found.id);
      if (current?.redemptionId === input.redemptionId) {
        return { voucherId: found.id, grant, accounting: await accountingLinesOf(tx, ctx.tenantId, found.id, 'redemption') };
      }
      throw refused(current ? (spendRefusal(current, current.currency, now) ?? 'VOUCHER_ALREADY_REDEEMED') : 'VOUCHER_NOT_FOUND');
    }
    const [openProduct] = await openProducts(tx, ctx.tenantId, season, vatCode);
    if (!openProduct) throw refused('VOUCHER_OPEN_PRODUCT_MISSING', { season, vatCode });
    const lines = redemptionLines(
      vatTiming,
      { priceMinor: found.faceValueMinor, currency: found.currency, vatCode },
      { atSaleBp: found.vatRateBp ?? 0, openProductBp: openProduct.vatRateBp },
      { productId: grant.productId, openProductId: openProduct.openProductId },
    );
    await insertAccountingLines(tx, ctx.tenantId, found.id, lines);
    await markRedeemed(tx, ctx.tenantId, found.id, input.redemptionId);
    const orderId = input.orderId ?? input.redemptionId;
    await appendEntry(tx, found, { type: 'capture', deltaMinor: 0, balanceAfterMinor: 0, orderId, ref: input.redemptionId });
    await enqueueEvent(tx, {
      contract: VoucherRedeemed,
      tenantId: ctx.tenantId,
      data: { voucherId: found.id, kind: 'experience', orderId, amountMinor: found.faceValueMinor, currency: found.currency, grant },
    });
    return { voucherId: found.id, grant, accounting: lines };
  });
}
