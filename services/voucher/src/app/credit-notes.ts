import { CreditNoteConverted } from '@tlp/contracts';
import { enqueueEvent, newId, onceByKey, sql, type Tx } from '@tlp/platform';
import { derivedId } from '../domain/derived-id';
import { spendRefusal } from '../domain/ledger';
import { appendEntry, credit, creditNoteBalanceOf, creditNotesOf, debit, entriesOf, heldSum, type Account, type Queryable } from '../db/accounts';
import { placeHold, settleOrderHolds, type HoldRequest, type HoldView } from './holds';
import type { Ctx, Ports } from './ports';
import { refused } from './refusals';

export interface CreditNoteView {
  creditNoteId: string;
  contactId: string;
  currency: string;
  balanceMinor: number;
  heldMinor: number;
}

async function view(q: Queryable, a: Account): Promise<CreditNoteView> {
  return {
    creditNoteId: a.id,
    contactId: a.contactId ?? '',
    currency: a.currency,
    balanceMinor: a.balanceMinor,
    heldMinor: await heldSum(q, a.tenantId, a.id),
  };
}

/**
 * The contact's credit note in `currency`. When the contact only has one in another currency the
 * refusal says so (a currency mismatch, not a missing credit note).
 */
async function requireCreditNote(q: Queryable, ctx: Ctx, contactId: string, currency: string, lock = false): Promise<Account> {
  const notes = await creditNotesOf(q, ctx.tenantId, contactId, lock);
  const note = notes.find((n) => n.currency === currency);
  if (note) return note;
  if (notes.length > 0) throw refused('VOUCHER_CURRENCY_MISMATCH', { currencies: notes.map((n) => n.currency) });
  throw refused('CREDIT_NOTE_NOT_FOUND', { contactId, currency });
}

/** Credit notes have no validity window: valid from the beginning of time, never expiring. */
async function ensureCreditNote(tx: Tx, ctx: Ctx, contactId: string, currency: string): Promise<Account> {
  await sql(
    tx,
    `INSERT INTO accounts (tenant_id, id, kind, contact_id, currency, valid_from) VALUES ($1, $2, 'credit-note', $3, $4, '-infinity')
     ON CONFLICT (tenant_id, contact_id, currency) WHERE kind = 'credit-note' DO NOTHING`,
    [ctx.tenantId, newId(), contactId, currency],
  );
  return requireCreditNote(tx, ctx, contactId, currency, true);
}

export interface CreditInput {
  refundId: string;
  contactId: string;
  amountMinor: number;
  currency: string;
  orderId?: string | undefined;
}

/** A refund lands on the contact's credit note (opened on first use), once per refund id. */
export async function creditRefund(ctx: Ctx, ports: Ports, input: CreditInput): Promise<CreditNoteView> {
  return ports.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'credit-notes.credit', key: input.refundId }, input, async () => {
      const note = await ensureCreditNote(tx, ctx, input.contactId, input.currency);
      const balance = await credit(tx, ctx.tenantId, note.id, input.amountMinor);
      await appendEntry(tx, note, { type: 'credit', deltaMinor: input.amountMinor, balanceAfterMinor: balance, orderId: input.orderId, ref: input.refundId });
      return view(tx, { ...note, balanceMinor: balance });
    }),
  );
}

export async function getCreditNote(ctx: Ctx, ports: Ports, input: { contactId: string; currency: string }) {
  const note = await requireCreditNote(ports.db, ctx, input.contactId, input.currency);
  return { ...(await view(ports.db, note)), entries: await entriesOf(ports.db, ctx.tenantId, note.id) };
}

export async function creditNoteBalance(ctx: Ctx, ports: Ports, input: { contactId: string; currency: string }) {
  return { currency: input.currency, balanceMinor: await creditNoteBalanceOf(ports.db, ctx.tenantId, input.contactId, input.currency) };
}

export async function holdCreditNote(ctx: Ctx, ports: Ports, input: HoldRequest & { contactId: string }): Promise<HoldView> {
  return placeHold(ctx, ports, await requireCreditNote(ports.db, ctx, input.contactId, input.currency), input);
}

export const settleCreditNoteHolds = (ctx: Ctx, ports: Ports, orderId: string, action: 'capture' | 'release') =>
  settleOrderHolds(ctx, ports, { orderId, kind: 'credit-note' }, action);

export interface ConvertInput {
  conversionId: string;
  contactId: string;
  amountMinor: number;
  currency: string;
  programId?: string | undefined;
}

/** The event id of a conversion: fixed by the tenant and the conversion id, whatever the retries. */
export const conversionEventId = (tenantId: string, conversionId: string): string => derivedId(`credit-note-conversion:${tenantId}:${conversionId}`);

/**
 * Refunds part of a credit note in loyalty points (seed 000): the debit and
 * evt.voucher.credit-note-converted commit together; loyalty credits the points from the event.
 * Retried with the same conversion id, it replays the first answer and emits nothing new.
 */
export async function convertToPoints(ctx: Ctx, ports: Ports, input: ConvertInput): Promise<CreditNoteView & { conversionId: string; eventId: string }> {
  const now = ports.now();
  return ports.db.transaction((tx) =>
    onceByKey(tx, { tenantId: ctx.tenantId, scope: 'credit-notes.convert', key: input.conversionId }, input, async () => {
      const note = await requireCreditNote(tx, ctx, input.contactId, input.currency);
      const balance = await debit(tx, ctx.tenantId, note.id, input.amountMinor, input.currency, now);
      if (balance === undefined) {
        throw refused(spendRefusal(note, input.currency, now) ?? 'VOUCHER_INSUFFICIENT_BALANCE', {
          balanceMinor: note.balanceMinor,
          requestedMinor: input.amountMinor,
        });
      }
      await appendEntry(tx, note, { type: 'conversion', deltaMinor: -input.amountMinor, balanceAfterMinor: balance, ref: input.conversionId });
      const eventId = conversionEventId(ctx.tenantId, input.conversionId);
      await enqueueEvent(tx, {
        contract: CreditNoteConverted,
        tenantId: ctx.tenantId,
        id: eventId,
        data: {
          conversionId: input.conversionId,
          creditNoteId: note.id,
          contactId: input.contactId,
          ...(input.programId ? { programId: input.programId } : {}),
          amountMinor: input.amountMinor,
          currency: input.currency,
        },
      });
      return { ...(await view(tx, { ...note, balanceMinor: balance })), conversionId: input.conversionId, eventId };
    }),
  );
}
