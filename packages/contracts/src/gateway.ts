import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** Subjects and events of the gateway service. */
export const gatewayHealth = healthContract('gateway');

export const gatewayErrors = defineErrors({});
