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
  PurchaseSeasonTickets,
  StartRenewalRun,
} from '@tlp/contracts';
import { forward } from './forward';

const venue = 'Venue';
const seasonTickets = 'Season tickets and renewal';

/** Seed 004's second part: the venue model, fixed-seat season tickets, preferred seats and renewal runs. */
export const renewalRoutes = [
  forward(CreateSpace, { method: 'post', path: '/spaces', tag: venue, summary: 'Create a space', role: 'admin', status: 201 }),
  forward(CreatePhysicalConfiguration, { method: 'post', path: '/physical-configurations', tag: venue, summary: 'The seats of a space', role: 'admin', status: 201 }),
  forward(CreateLogicalConfiguration, {
    method: 'post',
    path: '/logical-configurations',
    tag: venue,
    summary: 'Seat categories over a physical configuration',
    role: 'admin',
    status: 201,
  }),
  forward(CreatePerformance, { method: 'post', path: '/performances', tag: venue, summary: 'A performance on a logical configuration', role: 'operator', status: 201 }),
  forward(GetAvailability, { method: 'get', path: '/performances/:performanceId/availability', tag: venue, summary: 'Seats free, held and sold', role: 'box-office' }),
  forward(CreateSeasonTicket, { method: 'post', path: '/season-tickets', tag: seasonTickets, summary: 'Create a season ticket', role: 'operator', status: 201 }),
  forward(GroupedSeatMap, {
    method: 'get',
    path: '/season-tickets/:seasonTicketId/seat-map',
    tag: seasonTickets,
    summary: 'The grouped seat map (or map by map)',
    role: 'box-office',
  }),
  forward(PurchaseSeasonTickets, {
    method: 'post',
    path: '/season-tickets/:seasonTicketId/purchases',
    tag: seasonTickets,
    summary: 'Buy fixed-seat season tickets at the box office (stores preferred seats)',
    role: 'box-office',
    status: 201,
  }),
  forward(ListPreferredSeats, { method: 'get', path: '/contacts/:contactId/preferred-seats', tag: seasonTickets, summary: "A contact's preferred seats", role: 'box-office' }),
  forward(DeletePreferredSeat, {
    method: 'delete',
    path: '/contacts/:contactId/preferred-seats/:physicalConfigurationId',
    tag: seasonTickets,
    summary: 'Delete a preferred seat (tickets are not touched)',
    role: 'operator',
  }),
  forward(StartRenewalRun, { method: 'post', path: '/renewal-runs', tag: seasonTickets, summary: 'Start a renewal run', role: 'operator', status: 201 }),
  forward(ListRenewalRuns, { method: 'get', path: '/renewal-runs', tag: seasonTickets, summary: "The tenant's recent renewal runs, newest first", role: 'operator' }),
  forward(GetRenewalRun, { method: 'get', path: '/renewal-runs/:runId', tag: seasonTickets, summary: 'A renewal run and its report', role: 'operator' }),
  forward(ConfirmReservation, {
    method: 'post',
    path: '/renewal-reservations/:holdingId/confirmation',
    tag: seasonTickets,
    summary: 'Confirm a renewal reservation (the seats become sold)',
    role: 'box-office',
  }),
];
