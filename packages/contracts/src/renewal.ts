import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** Subjects and events of the renewal service. */
export const renewalHealth = healthContract('renewal');

export const renewalErrors = defineErrors({});
