import { DomainError, voucherErrors } from '@tlp/contracts';

export type VoucherErrorCode = keyof typeof voucherErrors;

/** An expected failure with the catalog's wording; `details` carries what a caller can act on. */
export const refused = (code: VoucherErrorCode, details?: Record<string, unknown>): DomainError =>
  new DomainError(code, voucherErrors[code].title, details);
