import {
  ConfirmReservation,
  CreateLogicalConfiguration,
  CreatePerformance,
  CreatePhysicalConfiguration,
  CreateSeasonTicket,
  CreateSpace,
  DeletePreferredSeat,
  GetAvailability,
  GetRenewalRun,
  GroupedSeatMap,
  ListPreferredSeats,
  ListRenewalRuns,
  OrderCompleted,
  PurchaseSeasonTickets,
  StartRenewalRun,
  type RequestContract,
} from '@tlp/contracts';
import { handle, onEvent, type EventHandler, type HandlerContext, type RequestHandler } from '@tlp/platform';
import type { DataSource } from 'typeorm';
import type { RenewalContext } from '../app/context';
import { deletePreferredSeat, listPreferredSeats, storePreferredSeatsFromOrder } from '../app/preferred-seats';
import { confirmReservation } from '../app/reservations';
import { getRun, listRuns, startRun } from '../app/runs';
import { createSeasonTicket, groupedSeatMap, purchaseSeasonTickets } from '../app/season-tickets';
import { createLogicalConfiguration, createPerformance, createPhysicalConfiguration, createSpace, performanceAvailability } from '../app/venue';

/** Thin NATS handlers: the contract checked the input; the use case gets the tenant from the headers. */
export function renewalHandlers(db: DataSource): RequestHandler[] {
  const ctx = (h: HandlerContext): RenewalContext => ({ tenantId: h.tenantId, db, log: h.log });
  const use = <C extends RequestContract, I, R>(contract: C, fn: (c: RenewalContext, input: I) => Promise<R>) =>
    handle(contract, (h, input) => fn(ctx(h), input as I) as never);
  return [
    use(CreateSpace, createSpace),
    use(CreatePhysicalConfiguration, createPhysicalConfiguration),
    use(CreateLogicalConfiguration, createLogicalConfiguration),
    use(CreatePerformance, createPerformance),
    use(GetAvailability, performanceAvailability),
    use(CreateSeasonTicket, createSeasonTicket),
    use(GroupedSeatMap, groupedSeatMap),
    use(PurchaseSeasonTickets, purchaseSeasonTickets),
    use(ListPreferredSeats, listPreferredSeats),
    use(DeletePreferredSeat, deletePreferredSeat),
    use(StartRenewalRun, startRun),
    use(ListRenewalRuns, listRuns),
    use(GetRenewalRun, getRun),
    use(ConfirmReservation, confirmReservation),
  ];
}

/** Season tickets sold elsewhere (webshop, box office through checkout) leave preferred seats too. */
export const renewalConsumers: EventHandler[] = [
  onEvent(OrderCompleted, (tx, { envelope }) => storePreferredSeatsFromOrder(tx, envelope.tenantId, envelope.data)),
];
