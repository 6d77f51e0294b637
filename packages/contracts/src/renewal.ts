import { z } from 'zod';
import { NonEmpty, Timestamp, Uuid } from './common';
import { defineEvent } from './envelope';
import { defineErrors } from './errors';
import { defineRequest, healthContract } from './rpc';

/** Subjects and events of the renewal service (fixed-seat season tickets, seed 004 second part). */
export const renewalHealth = healthContract('renewal');

export const renewalErrors = defineErrors({
  RENEWAL_SEAT_NOT_IN_CONFIGURATION: { status: 422, title: 'The seat is not part of the physical configuration' },
  RENEWAL_SEAT_DUPLICATED: { status: 422, title: 'The same seat is listed twice' },
  RENEWAL_PERFORMANCE_UNKNOWN: { status: 404, title: 'Unknown performance' },
  RENEWAL_SEASON_TICKET_UNKNOWN: { status: 404, title: 'Unknown season ticket' },
  RENEWAL_NOT_FIXED_SEAT: { status: 422, title: 'The season ticket is not of the fixed-seat type' },
  RENEWAL_QUOTA_REQUIRED: { status: 422, title: 'A fixed-seat season ticket needs a global quota' },
  RENEWAL_QUOTA_EXHAUSTED: { status: 409, title: 'The season ticket quota is used up' },
  RENEWAL_SEAT_UNAVAILABLE: { status: 409, title: 'The seat is not free for every performance it was chosen for' },
  RENEWAL_SEAT_NOT_IN_CATEGORY: { status: 422, title: 'The seat is not in the chosen seat category on the first performance' },
  RENEWAL_SEAT_SELECTION_INCOMPLETE: { status: 422, title: 'Every performance of the season ticket needs exactly one seat' },
  RENEWAL_CONTACT_ALREADY_HOLDER: { status: 409, title: 'The contact already holds this season ticket' },
  RENEWAL_PREFERRED_SEAT_UNKNOWN: { status: 404, title: 'No preferred seat for this contact and physical configuration' },
  RENEWAL_RUN_UNKNOWN: { status: 404, title: 'Unknown renewal run' },
  RENEWAL_SAME_SEASON_TICKET: { status: 422, title: 'Origin and target season tickets must differ' },
  RENEWAL_RESERVATION_UNKNOWN: { status: 404, title: 'No reservation with this id' },
  RENEWAL_RESERVATION_EXPIRED: { status: 409, title: 'The reservation expired and its seats were or will be released' },
});

export const SeasonTicketType = z.enum(['calculated-price', 'predefined-price', 'fixed-seat']);
/** The three values of the seed's renewStrategy parameter; see services/renewal/README.md. */
export const RenewStrategy = z.enum(['TWO_STEPS', 'SAME_SEAT_ONLY', 'OTHER_SEATS_ONLY']);
export type RenewStrategy = z.infer<typeof RenewStrategy>;
/** The seed's "Create reservation" field of the renewal batch; see services/renewal/README.md. */
export const CreateReservation = z.enum(['NO', 'YES', 'SEAT_CHANGED_ONLY']);
export type CreateReservation = z.infer<typeof CreateReservation>;

const Label = z.string().trim().min(1).max(20);
export const SeatPosition = z.object({ area: Label, row: Label, number: Label });
export type SeatPosition = z.infer<typeof SeatPosition>;
export const SeatCategory = z.string().trim().min(1).max(40);

export const CreateSpace = defineRequest('renewal.v1.spaces.create', z.object({ name: NonEmpty }).strict(), z.object({ spaceId: Uuid }));

export const CreatePhysicalConfiguration = defineRequest(
  'renewal.v1.physical-configurations.create',
  z
    .object({
      spaceId: Uuid,
      name: NonEmpty,
      /** `rank` orders seats for best-seat allocation: lower is better; defaults to the list order. */
      seats: z.array(SeatPosition.extend({ rank: z.int().nonnegative().optional() })).min(1).max(100_000),
    })
    .strict(),
  z.object({ physicalConfigurationId: Uuid, seats: z.int() }),
);

export const CreateLogicalConfiguration = defineRequest(
  'renewal.v1.logical-configurations.create',
  z
    .object({
      physicalConfigurationId: Uuid,
      name: NonEmpty,
      /** Seats not listed are not sold with this logical configuration (a stage, a camera position). */
      seats: z.array(SeatPosition.extend({ category: SeatCategory })).min(1).max(100_000),
    })
    .strict(),
  z.object({ logicalConfigurationId: Uuid }),
);

export const CreatePerformance = defineRequest(
  'renewal.v1.performances.create',
  z.object({ logicalConfigurationId: Uuid, name: NonEmpty, startsAt: Timestamp }).strict(),
  z.object({ performanceId: Uuid }),
);

export const SeatStatus = z.enum(['free', 'held', 'sold']);
export const GetAvailability = defineRequest(
  'renewal.v1.performances.availability',
  z.object({ performanceId: Uuid }).strict(),
  z.object({ free: z.int(), held: z.int(), sold: z.int() }),
);

export const CreateSeasonTicket = defineRequest(
  'renewal.v1.season-tickets.create',
  z
    .object({
      name: NonEmpty,
      type: SeasonTicketType,
      /** Global quota; required for the fixed-seat type, which has no quota per seat category. */
      quota: z.int().positive().optional(),
      performanceIds: z.array(Uuid).min(1).max(200),
    })
    .strict(),
  z.object({ seasonTicketId: Uuid }),
);

const MapSeat = SeatPosition.extend({ seatId: Uuid, category: SeatCategory });
export const GroupedSeatMap = defineRequest(
  'renewal.v1.seat-map.grouped',
  z
    .object({
      seasonTicketId: Uuid,
      seatCategory: SeatCategory.optional(),
      mapByMap: z.boolean().default(false),
      /** The buyer: their preferred seat is selected by default when it is free across the group. */
      contactId: NonEmpty.optional(),
    })
    .strict(),
  z.object({
    groups: z.array(
      z.object({
        physicalConfigurationId: Uuid,
        performanceIds: z.array(Uuid),
        /** The map shown is this performance's: the chosen category applies to it. */
        basedOnPerformanceId: Uuid,
        /** True when the operator asked for it or when no seat is free across the whole group. */
        mapByMap: z.boolean(),
        /** Seats free in every performance of the group (grouped map only). */
        seats: z.array(MapSeat),
        /** Free seats per performance (map by map only). */
        maps: z.array(z.object({ performanceId: Uuid, seats: z.array(MapSeat) })),
        /** The contact's preferred seat of this configuration, when it is among `seats`. */
        preselectedSeat: MapSeat.nullable(),
      }),
    ),
  }),
);

/** One seat for a whole group (grouped map) or for one performance (map by map). */
const SeatChoice = z.union([
  SeatPosition.extend({ physicalConfigurationId: Uuid }).strict(),
  SeatPosition.extend({ performanceId: Uuid }).strict(),
]);
export const PurchaseSeasonTickets = defineRequest(
  'renewal.v1.season-tickets.purchase',
  z
    .object({
      orderId: NonEmpty,
      seasonTicketId: Uuid,
      /** Several season tickets bought at once: one entry per cultural contact. */
      tickets: z
        .array(z.object({ contactId: NonEmpty, seatCategory: SeatCategory, seats: z.array(SeatChoice).min(1).max(200) }).strict())
        .min(1)
        .max(50),
    })
    .strict(),
  z.object({
    holdings: z.array(
      z.object({
        holdingId: Uuid,
        contactId: z.string(),
        /** The actual category per performance: the price follows it. */
        seats: z.array(SeatPosition.extend({ performanceId: Uuid, seatId: Uuid, category: SeatCategory })),
      }),
    ),
  }),
);

export const PreferredSeat = SeatPosition.extend({
  contactId: z.string(),
  physicalConfigurationId: Uuid,
  /** The physical configuration's name (the venue layout people know); null when the tenant has no configuration by that id. */
  physicalConfigurationName: z.string().nullable(),
  /** False when the seat no longer exists in the configuration: renewal and sales ignore it. */
  valid: z.boolean(),
  fromOrderId: z.string(),
  storedAt: Timestamp,
});
export const ListPreferredSeats = defineRequest(
  'renewal.v1.preferred-seats.list',
  z.object({ contactId: NonEmpty }).strict(),
  z.object({ preferredSeats: z.array(PreferredSeat) }),
);
export const DeletePreferredSeat = defineRequest(
  'renewal.v1.preferred-seats.delete',
  z.object({ contactId: NonEmpty, physicalConfigurationId: Uuid }).strict(),
  z.object({ deleted: z.literal(true) }),
);

export const StartRenewalRun = defineRequest(
  'renewal.v1.runs.start',
  z
    .object({
      /** Same key, same run: a retried start never creates a second run. */
      runKey: NonEmpty,
      originSeasonTicketId: Uuid,
      targetSeasonTicketId: Uuid,
      renewStrategy: RenewStrategy.default('TWO_STEPS'),
      createReservation: CreateReservation.default('NO'),
      /** How long reservations stay held before the seats are released. */
      reservationDays: z.int().min(1).max(90).default(14),
    })
    .strict(),
  z.object({ runId: Uuid }),
);

export const GroupDecision = z.object({
  physicalConfigurationId: Uuid,
  /** The row of the seed's decision table (1 to 13). */
  row: z.int().min(1).max(13),
  source: z.enum(['origin-seat', 'preferred-seat', 'best-seat', 'none']),
  seat: SeatPosition.extend({ seatId: Uuid, category: SeatCategory }).nullable(),
  rationale: z.string(),
});
export const NotRenewedReason = z.enum([
  'SEAT_NOT_KEPT',
  'NO_SEAT_FOUND',
  'QUOTA_EXHAUSTED',
  'ALREADY_HOLDER',
  'LEFT_FOR_OTHER_SEATS_STEP',
  'LEFT_FOR_SAME_SEAT_STEP',
]);
export const RenewalDecision = z.object({
  contactId: z.string(),
  originHoldingId: Uuid,
  step: z.union([z.literal(1), z.literal(2)]),
  outcome: z.enum(['renewed', 'not-renewed']),
  reason: NotRenewedReason.nullable(),
  seatChanged: z.boolean(),
  reserved: z.boolean(),
  groups: z.array(GroupDecision),
});
export type RenewalDecision = z.infer<typeof RenewalDecision>;

/** A run as it was started, and where it stands: the list's row and the report's heading. */
export const RenewalRunSummary = z.object({
  runId: Uuid,
  runKey: z.string(),
  originSeasonTicketId: Uuid,
  targetSeasonTicketId: Uuid,
  status: z.enum(['pending', 'running', 'completed']),
  renewStrategy: RenewStrategy,
  createReservation: CreateReservation,
  reservationDays: z.int(),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
});
export type RenewalRunSummary = z.infer<typeof RenewalRunSummary>;

/** The tenant's most recent runs, newest first. */
export const ListRenewalRuns = defineRequest(
  'renewal.v1.runs.list',
  z.object({ limit: z.int().min(1).max(100).default(20) }).strict(),
  z.object({ runs: z.array(RenewalRunSummary) }),
);

export const GetRenewalRun = defineRequest(
  'renewal.v1.runs.get',
  z.object({ runId: Uuid, limit: z.int().min(0).max(1000).default(100), offset: z.int().min(0).default(0) }).strict(),
  RenewalRunSummary.extend({
    renewed: z.int(),
    notRenewed: z.int(),
    seatChanges: z.int(),
    notRenewedByReason: z.record(z.string(), z.int()),
    decisions: z.array(RenewalDecision),
  }),
);

/** The holder (or the box office) pays a renewal reservation before it expires: the seats become sold. */
export const ConfirmReservation = defineRequest(
  'renewal.v1.reservations.confirm',
  z.object({ holdingId: Uuid }).strict(),
  z.object({ holdingId: Uuid, status: z.literal('sold') }),
);

const RenewedSeat = SeatPosition.extend({ performanceId: Uuid, seatId: Uuid, category: SeatCategory });
export const SeasonTicketRenewed = defineEvent(
  'evt.renewal.season-ticket-renewed',
  z.object({
    runId: Uuid,
    contactId: z.string(),
    originHoldingId: Uuid,
    holdingId: Uuid,
    targetSeasonTicketId: Uuid,
    seatChanged: z.boolean(),
    /** A reservation holds the seats until `reservedUntil`; otherwise they are sold. */
    reservedUntil: Timestamp.nullable(),
    seats: z.array(RenewedSeat),
  }),
);

export const RenewalRunCompleted = defineEvent(
  'evt.renewal.run-completed',
  z.object({ runId: Uuid, renewed: z.int(), notRenewed: z.int(), seatChanges: z.int() }),
);

export const ReservationExpired = defineEvent(
  'evt.renewal.reservation-expired',
  z.object({ holdingId: Uuid, contactId: z.string(), seasonTicketId: Uuid }),
);
