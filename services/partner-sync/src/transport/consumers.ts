import { ContactRegistered, OrderCompleted, OrderRefunded, type EventContract } from '@tlp/contracts';
import { onEvent, type ConsumedEvent, type EventHandler, type Logger, type Tx } from '@tlp/platform';
import { reportEarn, reportRefund, shareContacts, type EventContext } from '../app/outbound';

const contextOf = (tx: Tx, e: ConsumedEvent<EventContract>, logger: Logger): EventContext => ({
  tx,
  tenantId: e.envelope.tenantId,
  eventId: e.envelope.id,
  occurredAt: e.envelope.occurredAt,
  log: logger.child({ tenantId: e.envelope.tenantId, eventId: e.envelope.id, type: e.envelope.type }),
});

/** Facts that become messages to partners; each is queued in the consumer's transaction with its inbox row. */
export function partnerSyncConsumers(logger: Logger): EventHandler[] {
  return [
    onEvent(
      ContactRegistered,
      (tx, e) => shareContacts(tx, [e.envelope]),
      (tx, es) => shareContacts(tx, es.map((e) => e.envelope)),
    ),
    onEvent(OrderCompleted, (tx, e) => reportEarn(contextOf(tx, e, logger), e.envelope.data)),
    onEvent(OrderRefunded, (tx, e) => reportRefund(contextOf(tx, e, logger), e.envelope.data)),
  ];
}
