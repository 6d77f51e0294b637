import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** Subjects and events of the loyalty service. */
export const loyaltyHealth = healthContract('loyalty');

export const loyaltyErrors = defineErrors({});
