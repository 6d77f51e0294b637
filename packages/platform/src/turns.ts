import { refuseIfPast } from './deadline';

/**
 * Runs the work of one key one after another, and of different keys side by side. A burst on one
 * key (two hundred holds on one fan's account, each waiting for the same row) then takes one of
 * the gate's places at a time instead of all of them, and other fans are not kept waiting behind it.
 */
export class Turns {
  private readonly last = new Map<string, Promise<void>>();

  /** Runs `work` in the key's turn; refused with TIMEOUT, not run, when the turn comes after `deadline`. */
  async run<T>(key: string, work: () => Promise<T>, deadline?: number): Promise<T> {
    const before = this.last.get(key);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.last.set(key, mine);
    try {
      if (before) await before;
      refuseIfPast(deadline);
      return await work();
    } finally {
      done();
      if (this.last.get(key) === mine) this.last.delete(key);
    }
  }

  /** Keys with work running or waiting. */
  get size(): number {
    return this.last.size;
  }
}
