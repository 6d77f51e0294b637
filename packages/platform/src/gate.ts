import { refuseIfPast } from './deadline';
import type { RequestHandler } from './rpc-server';

/**
 * Lets at most `capacity` requests use the database at once; the rest wait here in order. The
 * pool's own queue gives up after its connection wait (`DB_CONNECTION_WAIT_MS`), which turned a
 * burst (a thousand checkouts typing the same code, two hundred holds on one account) into
 * failures instead of a short wait.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  /** For a service's request handlers: the pool less the connections its outbox relay, consumers and jobs need. */
  static forRequests(poolSize: number): Gate {
    return new Gate(Math.max(1, poolSize - 4));
  }

  /** Runs `fn` when a place is free; refused with TIMEOUT, not run, when that is after `deadline`. */
  async run<T>(fn: () => Promise<T>, deadline?: number): Promise<T> {
    if (this.active >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      refuseIfPast(deadline);
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** Every request of the handlers runs through the gate: for services whose every request is a short transaction. */
export const behindGate = (gate: Gate, handlers: RequestHandler[]): RequestHandler[] =>
  handlers.map((h) => ({ contract: h.contract, handle: (ctx, input) => gate.run(() => h.handle(ctx, input), ctx.deadline) }));
