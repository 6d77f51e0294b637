import {
  changeTargetList,
  codeDashboard,
  createAdvantage,
  createPromoCode,
  downloadCodeBatch,
  generateCodes,
  getAdvantage,
  getCode,
  getCodeBatch,
  getPromoCode,
  invalidateCodes,
  listAdvantages,
  listCodes,
  listPromoCodes,
  transitionAdvantage,
  transitionPromoCode,
  updateAdvantage,
  updatePromoCode,
} from '@tlp/contracts';
import { forward } from './forward';

const advantages = 'Advantages';
const codes = 'Promo codes and single-use codes';

/** Seed 002's screens: advantages, promo codes, code generation, the dashboard and code tracking. */
export const promotionRoutes = [
  forward(createAdvantage, { method: 'post', path: '/advantages', tag: advantages, summary: 'Create an advantage (draft)', role: 'operator', status: 201 }),
  forward(listAdvantages, { method: 'get', path: '/advantages', tag: advantages, summary: 'List advantages by season and state', role: 'operator' }),
  forward(getAdvantage, { method: 'get', path: '/advantages/:advantageId', tag: advantages, summary: 'An advantage', role: 'operator' }),
  forward(updateAdvantage, { method: 'patch', path: '/advantages/:advantageId', tag: advantages, summary: 'Edit an advantage (a draft freely; in operation within limits)', role: 'operator' }),
  forward(transitionAdvantage, {
    method: 'post',
    path: '/advantages/:advantageId/transitions',
    tag: advantages,
    summary: 'Put into operation or close',
    role: 'operator',
  }),
  forward(changeTargetList, {
    method: 'post',
    path: '/advantages/:advantageId/targets',
    tag: advantages,
    summary: "Import or change a contacts advantage's target list",
    role: 'operator',
  }),
  forward(createPromoCode, { method: 'post', path: '/promo-codes', tag: codes, summary: 'Create a cart-wide promo code', role: 'operator', status: 201 }),
  forward(listPromoCodes, { method: 'get', path: '/promo-codes', tag: codes, summary: 'List promo codes by state', role: 'operator' }),
  forward(getPromoCode, { method: 'get', path: '/promo-codes/:promoCodeId', tag: codes, summary: 'A promo code', role: 'operator' }),
  forward(updatePromoCode, { method: 'patch', path: '/promo-codes/:promoCodeId', tag: codes, summary: 'Edit a promo code (a draft freely; in operation within limits)', role: 'operator' }),
  forward(transitionPromoCode, {
    method: 'post',
    path: '/promo-codes/:promoCodeId/transitions',
    tag: codes,
    summary: 'Put a promo code into operation or close it',
    role: 'operator',
  }),
  forward(generateCodes, {
    method: 'post',
    path: '/code-batches',
    tag: codes,
    summary: 'Generate single-use codes for an advantage (up to a million; large batches finish in the background)',
    role: 'operator',
    status: 201,
  }),
  forward(getCodeBatch, { method: 'get', path: '/code-batches/:batchId', tag: codes, summary: 'A batch and its generation progress', role: 'operator' }),
  forward(downloadCodeBatch, { method: 'get', path: '/code-batches/:batchId/csv', tag: codes, summary: 'A page of the code list as CSV', role: 'operator' }),
  forward(listCodes, { method: 'get', path: '/codes', tag: codes, summary: 'Code tracking: codes of a batch by state', role: 'operator' }),
  forward(getCode, { method: 'get', path: '/codes/:code', tag: codes, summary: 'Tracking of one code (used when, by whom, order)', role: 'box-office' }),
  forward(invalidateCodes, { method: 'post', path: '/code-invalidations', tag: codes, summary: 'Invalidate codes, or a whole batch', role: 'operator' }),
  forward(codeDashboard, { method: 'get', path: '/code-dashboard', tag: codes, summary: 'The dashboard per season, with detail per requesting contact', role: 'operator' }),
];
