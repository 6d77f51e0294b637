import {
  balancesGet,
  balancesOfContact,
  deliveriesList,
  deliveriesReplay,
  partnersCreate,
  partnersGet,
  partnersList,
  partnersRotateSecret,
  partnersUpdate,
  spendCapture,
  spendHold,
  spendRelease,
} from '@tlp/contracts';
import { handle, type RequestHandler } from '@tlp/platform';
import { contactBalances, getBalance } from '../app/balances';
import { listTenantDeliveries, replayDelivery } from '../app/delivery';
import { createPartner, getPartner, listTenantPartners, rotateSecret, updatePartnerSettings } from '../app/partners';
import type { Ports } from '../app/ports';
import { capturePoints, holdPoints, releasePoints } from '../app/spend';

/** The request/reply subjects: parse (done by the kit against the contract), call the use case, reply. */
export function partnerSyncHandlers(ports: Ports): RequestHandler[] {
  return [
    handle(partnersCreate, (ctx, input) => createPartner(ctx, ports, input)),
    handle(partnersUpdate, (ctx, input) => updatePartnerSettings(ctx, ports, input)),
    handle(partnersGet, (ctx, input) => getPartner(ctx, ports, input.partnerId)),
    handle(partnersList, (ctx) => listTenantPartners(ctx, ports)),
    handle(partnersRotateSecret, (ctx, input) => rotateSecret(ctx, ports, input)),
    handle(balancesGet, (ctx, input) => getBalance(ctx, ports, input.partnerId, input.contactId)),
    handle(balancesOfContact, (ctx, input) => contactBalances(ctx, ports, input.contactId)),
    handle(spendHold, (ctx, input) => holdPoints(ctx, ports, input)),
    handle(spendCapture, (ctx, input) => capturePoints(ctx, ports, input.orderId)),
    handle(spendRelease, (ctx, input) => releasePoints(ctx, ports, input.orderId)),
    handle(deliveriesList, (ctx, input) => listTenantDeliveries(ctx, ports, input)),
    handle(deliveriesReplay, (ctx, input) => replayDelivery(ctx, ports, input.deliveryId)),
  ];
}
