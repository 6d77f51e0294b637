import { defineErrors } from './errors';
import { healthContract } from './rpc';

/** Subjects and events of the promotion service. */
export const promotionHealth = healthContract('promotion');

export const promotionErrors = defineErrors({});
