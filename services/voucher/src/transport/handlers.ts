import {
  creditNotesBalance,
  creditNotesCapture,
  creditNotesConvert,
  creditNotesCredit,
  creditNotesGet,
  creditNotesHold,
  creditNotesRelease,
  experienceRedeem,
  experienceSell,
  voucherOpenProductsList,
  voucherOpenProductsSet,
  vouchersBalance,
  vouchersCancel,
  vouchersCapture,
  vouchersGet,
  vouchersOfContact,
  vouchersHistory,
  vouchersHold,
  vouchersRelease,
  vouchersSell,
  voucherSettingsGet,
  voucherSettingsSet,
} from '@tlp/contracts';
import { DomainError, type RequestContext, type Role } from '@tlp/contracts';
import { handle, type RequestHandler } from '@tlp/platform';
import { convertToPoints, creditNoteBalance, creditRefund, getCreditNote, holdCreditNote, settleCreditNoteHolds } from '../app/credit-notes';
import { getVatSetting, listOpenProducts, redeemExperience, sellExperience, setOpenProduct, setVatSetting } from '../app/experience';
import type { Ports } from '../app/ports';
import { balanceByCode, cancelVoucher, contactVouchers, getVoucher, holdVoucher, sellVoucher, settleVoucherHolds, voucherHistory } from '../app/vouchers';

const backOffice: Role[] = ['operator', 'admin'];

/**
 * Set-up and cancellation belong to the venue's operators. The gateway checks roles first; this
 * is the second lock, for a person's request that reached the bus another way. Calls between
 * services carry no actor and are trusted.
 */
function requireBackOffice(ctx: RequestContext): void {
  if (ctx.actor && !ctx.actor.roles.some((r) => backOffice.includes(r))) {
    throw new DomainError('FORBIDDEN', 'Only an operator may do this', { roles: ctx.actor.roles });
  }
}

/** The request/reply subjects: the kit checks the payload against the contract, the use case does the rest. */
export function voucherHandlers(ports: Ports): RequestHandler[] {
  return [
    handle(voucherSettingsSet, async (ctx, input) => {
      requireBackOffice(ctx);
      return setVatSetting(ctx, ports, input.vatTiming);
    }),
    handle(voucherSettingsGet, (ctx) => getVatSetting(ctx, ports)),
    handle(voucherOpenProductsSet, async (ctx, input) => {
      requireBackOffice(ctx);
      return setOpenProduct(ctx, ports, input);
    }),
    handle(voucherOpenProductsList, (ctx, input) => listOpenProducts(ctx, ports, input.season)),
    handle(vouchersSell, (ctx, input) => sellVoucher(ctx, ports, input, { kind: 'financial', valueMinor: input.valueMinor })),
    handle(vouchersBalance, (ctx, input) => balanceByCode(ctx, ports, input.code, input.pin)),
    handle(vouchersGet, (ctx, input) => getVoucher(ctx, ports, input.voucherId)),
    handle(vouchersOfContact, (ctx, input) => contactVouchers(ctx, ports, input)),
    handle(vouchersHistory, (ctx, input) => voucherHistory(ctx, ports, input.voucherId)),
    handle(vouchersHold, (ctx, input) => holdVoucher(ctx, ports, input)),
    handle(vouchersCapture, (ctx, input) => settleVoucherHolds(ctx, ports, input, 'capture')),
    handle(vouchersRelease, (ctx, input) => settleVoucherHolds(ctx, ports, input, 'release')),
    handle(vouchersCancel, async (ctx, input) => {
      requireBackOffice(ctx);
      return cancelVoucher(ctx, ports, input);
    }),
    handle(experienceSell, (ctx, input) => sellExperience(ctx, ports, input)),
    handle(experienceRedeem, (ctx, input) => redeemExperience(ctx, ports, input)),
    handle(creditNotesCredit, (ctx, input) => creditRefund(ctx, ports, input)),
    handle(creditNotesGet, (ctx, input) => getCreditNote(ctx, ports, input)),
    handle(creditNotesBalance, (ctx, input) => creditNoteBalance(ctx, ports, input)),
    handle(creditNotesHold, (ctx, input) => holdCreditNote(ctx, ports, input)),
    handle(creditNotesCapture, (ctx, input) => settleCreditNoteHolds(ctx, ports, input.orderId, 'capture')),
    handle(creditNotesRelease, (ctx, input) => settleCreditNoteHolds(ctx, ports, input.orderId, 'release')),
    handle(creditNotesConvert, (ctx, input) => convertToPoints(ctx, ports, input)),
  ];
}
