/**
 * Lets at most `capacity` requests use the database at once; the rest wait here in order. The
 * pool's own queue gives up after its connect timeout, which turned a burst (a thousand checkouts
 * typing the same code) into internal errors instead of a short wait.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
