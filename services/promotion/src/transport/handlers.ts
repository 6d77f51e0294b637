import * as c from '@tlp/contracts';
import { behindGate, handle, onEvent, type EventHandler, type Gate, type HandlerContext, type RequestHandler } from '@tlp/platform';
import * as advantages from '../app/advantages';
import * as codes from '../app/codes';
import type { PromotionContext } from '../app/context';
import { dashboard } from '../app/dashboard';
import * as holds from '../app/holds';
import * as promos from '../app/promo-codes';
import { applyRefund } from '../app/refunds';

export type ContextOf = (req: HandlerContext) => PromotionContext;

/** Thin: the contract has checked the payload; each subject calls one use case, through the gate. */
export function requestHandlers(ctxOf: ContextOf, gate: Gate): RequestHandler[] {
  const handlers = [
    handle(c.createAdvantage, (req, input) => advantages.createAdvantage(ctxOf(req), input)),
    handle(c.getAdvantage, (req, input) => advantages.getAdvantage(ctxOf(req), input.advantageId)),
    handle(c.listAdvantages, async (req, input) => ({ advantages: await advantages.listAdvantages(ctxOf(req), input.season, input.state) })),
    handle(c.updateAdvantage, (req, input) => advantages.updateAdvantage(ctxOf(req), input)),
    handle(c.transitionAdvantage, (req, input) => advantages.transitionAdvantage(ctxOf(req), input.advantageId, input.to)),
    handle(c.changeTargetList, (req, input) => advantages.changeTargets(ctxOf(req), input)),
    handle(c.createPromoCode, (req, input) => promos.createPromoCode(ctxOf(req), input)),
    handle(c.updatePromoCode, (req, input) => promos.updatePromoCode(ctxOf(req), input)),
    handle(c.getPromoCode, (req, input) => promos.getPromoCode(ctxOf(req), input.promoCodeId)),
    handle(c.listPromoCodes, async (req, input) => ({ promoCodes: await promos.listPromoCodes(ctxOf(req), input.state) })),
    handle(c.transitionPromoCode, (req, input) => promos.transitionPromoCode(ctxOf(req), input.promoCodeId, input.to)),
    handle(c.evaluateCart, (req, input) => holds.evaluateCart(ctxOf(req), input.cart)),
    handle(c.placeHold, (req, input) => holds.placeHold(ctxOf(req), input)),
    handle(c.captureHold, (req, input) => holds.captureHold(ctxOf(req), input.orderId)),
    handle(c.releaseHold, (req, input) => holds.releaseHold(ctxOf(req), input.orderId)),
    handle(c.generateCodes, (req, input) => codes.generateCodes(ctxOf(req), input)),
    handle(c.getCodeBatch, (req, input) => codes.getCodeBatch(ctxOf(req), input.batchId)),
    handle(c.downloadCodeBatch, (req, input) => codes.downloadBatch(ctxOf(req), input)),
    handle(c.getCode, (req, input) => codes.getCode(ctxOf(req), input.code)),
    handle(c.listCodes, (req, input) => codes.listCodes(ctxOf(req), input)),
    handle(c.invalidateCodes, (req, input) => codes.invalidateCodes(ctxOf(req), input)),
    handle(c.codeDashboard, (req, input) => dashboard(ctxOf(req), input.season, input.perContact)),
  ];
  return behindGate(gate, handlers);
}

export const eventHandlers = (clock: () => Date): EventHandler[] => [
  onEvent(c.TicketScanned, (tx, { envelope }) => codes.recordScan(tx, envelope.tenantId, envelope.data)),
  onEvent(c.OrderRefunded, (tx, { envelope }) => applyRefund(tx, envelope.tenantId, envelope.data, clock())),
];
