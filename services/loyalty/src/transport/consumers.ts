import { CreditNoteConverted, OrderCompleted, OrderRefunded, TicketScanned } from '@tlp/contracts';
import { onEvent, type EventHandler } from '@tlp/platform';
import { applyCompletedOrders, applyCreditNoteConversion, applyRefund, applyScan } from '../app/orders';

/** Facts loyalty reacts to; the kit dedupes by event id and applies each batch in one transaction. */
export const loyaltyConsumers: EventHandler[] = [
  onEvent(OrderCompleted, (tx, e) => applyCompletedOrders(tx, [e]), applyCompletedOrders),
  onEvent(OrderRefunded, applyRefund),
  onEvent(TicketScanned, applyScan),
  onEvent(CreditNoteConverted, applyCreditNoteConversion),
];
