import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** Subjects and events of the partner-sync service. */
export const partnerSyncHealth = healthContract('partner-sync');

export const partnerSyncErrors = defineErrors({});
