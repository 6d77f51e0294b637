import {
  balancesGet,
  deliveriesList,
  deliveriesReplay,
  partnersCreate,
  partnersGet,
  partnersList,
  partnersRotateSecret,
  partnersUpdate,
} from '@tlp/contracts';
import { forward } from './forward';

const tag = 'Loyalty partners';

/** Partner set-up, balances and the dead-letter list (back office); fans see their balance. */
export const partnerRoutes = [
  forward(partnersCreate, { method: 'post', path: '/partners', tag, summary: 'Link a loyalty partner', role: 'admin', status: 201 }),
  forward(partnersList, { method: 'get', path: '/partners', tag, summary: 'List the linked partners', role: 'operator' }),
  forward(partnersGet, { method: 'get', path: '/partners/:partnerId', tag, summary: 'A partner and its rules', role: 'operator' }),
  forward(partnersUpdate, { method: 'patch', path: '/partners/:partnerId', tag, summary: 'Change a partner', role: 'admin' }),
  forward(partnersRotateSecret, {
    method: 'post',
    path: '/partners/:partnerId/secrets',
    tag,
    summary: 'Rotate a webhook signing secret (the old one stays valid for a grace period)',
    role: 'admin',
  }),
  forward(balancesGet, {
    method: 'get',
    path: '/partners/:partnerId/contacts/:contactId/balance',
    tag,
    summary: "A contact's partner points and their money value (stale when the partner is down)",
    role: 'box-office',
  }),
  forward(balancesGet, {
    method: 'get',
    path: '/me/partners/:partnerId/balance',
    tag,
    summary: 'My partner points and their money value',
    role: 'fan',
    contactField: 'contactId',
  }),
  forward(deliveriesList, { method: 'get', path: '/partner-deliveries', tag, summary: 'Messages to partners by state (dead letters by default)', role: 'operator' }),
  forward(deliveriesReplay, {
    method: 'post',
    path: '/partner-deliveries/:deliveryId/replay',
    tag,
    summary: 'Send a dead-lettered message again',
    role: 'operator',
  }),
];
