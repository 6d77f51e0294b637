import { CreditNoteConverted, OrderCompleted, OrderRefunded, TicketScanned } from '@tlp/contracts';
import { onEvent, type EventHandler } from '@tlp/platform';
import { applyCompletedOrders, applyCreditNoteConversion, applyRefund, applyScan } from '../app/orders';

/** Facts loyalty reacts to; the kit dedupes by event id and applies each batch in one transaction. */
export const loyaltyConsumers: EventHandler[] = [
  // Earning locks activity rows and accounts in contact and account order: batches may overlap.
  onEvent(OrderCompleted, (tx, e) => applyCompletedOrders(tx, [e]), applyCompletedOrders, { batchesInFlight: 2 }),
  onEvent(OrderRefunded, applyRefund),
  onEvent(TicketScanned, applyScan),
  onEvent(CreditNoteConverted, applyCreditNoteConversion),
];
