import { defineErrors } from './errors';
import { healthContract } from './rpc';
import { z } from 'zod';
import { Currency } from './common';
import { defineEvent } from './envelope';
/** Subjects and events of the voucher service. */
export const voucherHealth = healthContract('voucher');

export const voucherErrors = defineErrors({});


/**
 * Part of a credit note turned into loyalty points (seed 000's intermediate step). The voucher
 * service debits the credit note and emits this in one transaction; loyalty credits the points
 * once per event id (derived from the conversion, so a retried step carries the same id).
 */
export const CreditNoteConverted = defineEvent(
  'evt.voucher.credit-note-converted',
  z.object({
    conversionId: z.string().min(1),
    creditNoteId: z.string().min(1),
    contactId: z.string().min(1),
    /** The loyalty program to credit; the tenant's default active program when absent. */
    programId: z.string().optional(),
    amountMinor: z.int().positive(),
    currency: Currency,
  }),
);
