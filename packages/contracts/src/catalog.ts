import { platformErrors, type ErrorSpec } from './errors';
import { gatewayErrors } from './gateway';
import { loyaltyErrors } from './loyalty';
import { partnerSyncErrors } from './partner-sync';
import { promotionErrors } from './promotion';
import { renewalErrors } from './renewal';
import { voucherErrors } from './voucher';

/** Every stable code of the platform with its HTTP status; the gateway answers with these. */
export const errorCatalog: Record<string, ErrorSpec> = {
  ...platformErrors,
  ...loyaltyErrors,
  ...promotionErrors,
  ...voucherErrors,
  ...renewalErrors,
  ...partnerSyncErrors,
  ...gatewayErrors,
};

export function errorStatus(code: string): number {
  return errorCatalog[code]?.status ?? 500;
}
