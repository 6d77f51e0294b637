import type { SeatPosition } from '@tlp/contracts';

export interface PoolSeat extends SeatPosition {
  seatId: string;
  /** The seat's category on the group's first performance (the one the chosen category applies to). */
  category: string;
  /** Lower is better; best-seat allocation takes the lowest free rank of a category. */
  rank: number;
}

const positionKey = (p: SeatPosition): string => `${p.area}\u0000${p.row}\u0000${p.number}`;

/**
 * The seats of one group of performances (one physical configuration) during a renewal run:
 * which are still free in every performance of the group. Lives in memory for the whole run so
 * that 100,000 holders are decided without a query each; the database is written per chunk.
 */
export class SeatPool {
  private readonly seats: PoolSeat[] = [];
  private readonly free: Uint8Array;
  private readonly index = new Map<string, number>();
  private readonly byPosition = new Map<string, number>();
  /** Per category: seat indexes by rank, a cursor before which every seat is taken, and each seat's place. */
  private readonly categories = new Map<string, { order: number[]; cursor: number }>();
  private readonly placeInCategory: Int32Array;

  constructor(seats: readonly (PoolSeat & { free: boolean })[]) {
    this.free = new Uint8Array(seats.length);
    this.placeInCategory = new Int32Array(seats.length);
    seats.forEach((s, i) => {
      this.seats.push({ seatId: s.seatId, area: s.area, row: s.row, number: s.number, category: s.category, rank: s.rank });
      this.free[i] = s.free ? 1 : 0;
      this.index.set(s.seatId, i);
      this.byPosition.set(positionKey(s), i);
      const cat = this.categories.get(s.category) ?? { order: [], cursor: 0 };
      cat.order.push(i);
      this.categories.set(s.category, cat);
    });
    for (const cat of this.categories.values()) {
      cat.order.sort((a, b) => this.seats[a]!.rank - this.seats[b]!.rank || a - b);
      cat.order.forEach((seat, place) => (this.placeInCategory[seat] = place));
    }
  }

  /** The seat at this area/row/number, whether free or not; undefined when the configuration has none. */
  at(position: SeatPosition): PoolSeat | undefined {
    const i = this.byPosition.get(positionKey(position));
    return i === undefined ? undefined : this.seats[i];
  }

  isFree(seatId: string): boolean {
    const i = this.index.get(seatId);
    return i !== undefined && this.free[i] === 1;
  }

  /** The best free seat of a category, without taking it. */
  bestFree(category: string): PoolSeat | undefined {
    const cat = this.categories.get(category);
    if (!cat) return undefined;
    while (cat.cursor < cat.order.length && this.free[cat.order[cat.cursor]!] === 0) cat.cursor++;
    const i = cat.order[cat.cursor];
    return i === undefined ? undefined : this.seats[i];
  }

  take(seatId: string): void {
    const i = this.index.get(seatId);
    if (i === undefined || this.free[i] === 0) throw new Error(`seat ${seatId} is not free`);
    this.free[i] = 0;
  }

  release(seatId: string): void {
    const i = this.index.get(seatId);
    if (i === undefined) return;
    this.free[i] = 1;
    const cat = this.categories.get(this.seats[i]!.category)!;
    cat.cursor = Math.min(cat.cursor, this.placeInCategory[i]!);
  }
}
