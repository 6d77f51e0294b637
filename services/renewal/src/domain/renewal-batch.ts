import type { RenewStrategy, SeatPosition } from '@tlp/contracts';
import { decideByOriginSeat, decideByOtherSeats, type GroupDecision, type GroupSituation } from './decision-table';
import type { SeatPool } from './seat-pool';

/** One group of target performances sharing a physical configuration. */
export interface BatchGroup {
  physicalConfigurationId: string;
  /** The origin season ticket used this same physical configuration. */
  samePhysicalConfiguration: boolean;
  pool: SeatPool;
}

export interface HolderGroupInput {
  originCategory: string;
  /** The origin seat's position, or null when the origin seat was in another space. */
  originSeat: SeatPosition | null;
  /** The contact's preferred seat for the target configuration, as stored. */
  preferredSeat: SeatPosition | null;
}

export interface BatchHolder {
  originHoldingId: string;
  contactId: string;
  /** The contact already holds the target season ticket (an earlier run, a purchase). */
  alreadyHolder: boolean;
  /** Aligned with the batch's groups. */
  groups: HolderGroupInput[];
}

export type NotRenewedReason =
  | 'SEAT_NOT_KEPT'
  | 'NO_SEAT_FOUND'
  | 'QUOTA_EXHAUSTED'
  | 'ALREADY_HOLDER'
  | 'LEFT_FOR_OTHER_SEATS_STEP'
  | 'LEFT_FOR_SAME_SEAT_STEP';

export interface HolderDecision {
  holder: BatchHolder;
  step: 1 | 2;
  outcome: 'renewed' | 'not-renewed';
  reason: NotRenewedReason | null;
  seatChanged: boolean;
  /** One per group decided so far, aligned with the batch's groups (null: not decided). */
  groups: (GroupDecision | null)[];
}

/**
 * The renewal batch over in-memory seat pools. Step one decides every holder whose origin seat
 * settles the matter (table rows 1 to 3) and holds the seats of the others' origin seats, so the
 * second step's preferred and best-seat allocations (rows 4 to 13) never take a seat a
 * returning holder expects. Decisions come out in order; the caller persists them in chunks.
 */
export class RenewalBatch {
  constructor(
    private readonly groups: readonly BatchGroup[],
    private quotaLeft: number,
    private readonly strategy: RenewStrategy,
  ) {}

  *decide(holders: Iterable<BatchHolder>): Generator<HolderDecision> {
    const deferred: { holder: BatchHolder; partial: (GroupDecision | null)[] }[] = [];
    const leftForSameSeatStep: HolderDecision[] = [];
    for (const holder of holders) {
      if (holder.alreadyHolder) {
        yield this.notRenewed(holder, 1, 'ALREADY_HOLDER', []);
        continue;
      }
      const partial = this.groups.map((g, i) => decideByOriginSeat(this.situation(g, holder.groups[i]!)));
      if (partial.some((d) => d?.action === 'dont-renew')) {
        yield this.notRenewed(holder, 1, 'SEAT_NOT_KEPT', partial);
      } else if (partial.every((d) => d !== null)) {
        if (this.strategy === 'OTHER_SEATS_ONLY') {
          // Kept out of this run's allocations; reported last so a resumed run holds them again.
          this.take(partial);
          leftForSameSeatStep.push(this.notRenewed(holder, 1, 'LEFT_FOR_SAME_SEAT_STEP', partial));
        } else {
          yield this.renewIfQuota(holder, 1, partial);
        }
      } else if (this.strategy === 'SAME_SEAT_ONLY') {
        yield this.notRenewed(holder, 1, 'LEFT_FOR_OTHER_SEATS_STEP', partial);
      } else {
        this.take(partial);
        deferred.push({ holder, partial });
      }
    }
    for (const { holder, partial } of deferred) {
      if (this.quotaLeft <= 0) {
        this.release(partial);
        yield this.notRenewed(holder, 2, 'QUOTA_EXHAUSTED', partial);
        continue;
      }
      const decided = partial.map((d, i) => {
        if (d) return d;
        const group = this.groups[i]!;
        const decision = decideByOtherSeats(this.situation(group, holder.groups[i]!));
        if (decision.seat) group.pool.take(decision.seat.seatId);
        return decision;
      });
      if (decided.some((d) => d.action === 'dont-renew')) {
        this.release(decided);
        yield this.notRenewed(holder, 2, 'NO_SEAT_FOUND', decided);
      } else {
        this.quotaLeft--;
        yield { holder, step: 2, outcome: 'renewed', reason: null, seatChanged: seatChanged(decided), groups: decided };
      }
    }
    yield* leftForSameSeatStep;
  }

  private renewIfQuota(holder: BatchHolder, step: 1 | 2, decided: GroupDecision[]): HolderDecision {
    if (this.quotaLeft <= 0) return this.notRenewed(holder, step, 'QUOTA_EXHAUSTED', decided);
    this.quotaLeft--;
    this.take(decided);
    return { holder, step, outcome: 'renewed', reason: null, seatChanged: seatChanged(decided), groups: decided };
  }

  private notRenewed(holder: BatchHolder, step: 1 | 2, reason: NotRenewedReason, groups: (GroupDecision | null)[]): HolderDecision {
    return { holder, step, outcome: 'not-renewed', reason, seatChanged: false, groups };
  }

  private situation(group: BatchGroup, input: HolderGroupInput): GroupSituation {
    const { pool } = group;
    const lookup = (p: SeatPosition | null) => {
      const seat = p ? pool.at(p) : undefined;
      return seat ? { seat, available: pool.isFree(seat.seatId) } : null;
    };
    return {
      samePhysicalConfiguration: group.samePhysicalConfiguration,
      originCategory: input.originCategory,
      originSeat: lookup(input.originSeat),
      preferredSeat: lookup(input.preferredSeat),
      bestSeat: pool.bestFree(input.originCategory) ?? null,
    };
  }

  private take(decisions: (GroupDecision | null)[]): void {
    decisions.forEach((d, i) => d?.seat && this.groups[i]!.pool.take(d.seat.seatId));
  }

  private release(decisions: (GroupDecision | null)[]): void {
    decisions.forEach((d, i) => d?.seat && this.groups[i]!.pool.release(d.seat.seatId));
  }
}

const seatChanged = (decisions: GroupDecision[]): boolean => decisions.some((d) => d.source !== 'origin-seat');
