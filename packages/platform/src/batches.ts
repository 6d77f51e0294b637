import { DataSource } from 'typeorm';
import { callerGaveUp, isPast } from './deadline';

export interface BatchesOptions<I, O> {
  /** Does every item's work at once; answers one outcome per item, in the items' order. */
  run: (items: I[]) => Promise<O[]>;
  /** The most items in one batch (the rest wait for the next one). */
  maxSize?: number;
  /** How many batches may be running at once. */
  maxInFlight?: number;
}

interface Waiting<I, O> {
  item: I;
  deadline: number | undefined;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/**
 * Gathers the calls that arrive while earlier ones are running into one batch ("natural"
 * batching): under load, many checkouts' statements become one round trip and one commit;
 * alone, a call starts within the same turn of the event loop, as a batch of one, so a quiet
 * service answers as fast as without batches. Calls of one turn always go together.
 */
export class Batches<I, O> {
  private waiting: Waiting<I, O>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxSize: number;
  private readonly maxInFlight: number;

  constructor(private readonly opts: BatchesOptions<I, O>) {
    this.maxSize = opts.maxSize ?? 100;
    this.maxInFlight = opts.maxInFlight ?? 1;
  }

  /** Joins the next batch; refused with TIMEOUT, left out of it, when that starts after `deadline`. */
  call(item: I, deadline?: number): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, deadline, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After this turn's other calls (and the microtasks they start) have joined the batch.
      setImmediate(() => {
        this.scheduled = false;
        this.startBatches();
      });
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.nextBatch();
      if (batch.length === 0) continue;
      this.inFlight++;
      this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.startBatches();
      });
    }
  }

  /** The next calls whose callers still wait, up to the largest size; the others are refused. */
  private nextBatch(): Waiting<I, O>[] {
    const batch: Waiting<I, O>[] = [];
    let taken = 0;
    for (; taken < this.waiting.length && batch.length < this.maxSize; taken++) {
      const w = this.waiting[taken]!;
      if (isPast(w.deadline)) w.reject(callerGaveUp());
      else batch.push(w);
    }
    this.waiting.splice(0, taken);
    return batch;
  }

  private async runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outcomes = await this.opts.run(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error(`a batch of ${batch.length} answered ${outcomes.length} outcomes`);
      batch.forEach((w, i) => w.resolve(outcomes[i] as O));
    } catch (e) {
      for (const w of batch) w.reject(e);
    }
  }
}

const batchesOfPool = new WeakMap<object, Map<string, Batches<never, unknown>>>();

/** The one `Batches` of this name on this pool (a service's data source), made on first use. */
export function batchesOn<I, O>(pool: object, name: string, opts: BatchesOptions<I, O>): Batches<I, O> {
  let named = batchesOfPool.get(pool);
  if (!named) batchesOfPool.set(pool, (named = new Map()));
  let batches = named.get(name) as Batches<I, O> | undefined;
  if (!batches) named.set(name, (batches = new Batches(opts)) as unknown as Batches<never, unknown>);
  return batches;
}

/**
 * One call of `run`: on the pool it joins the concurrent calls of the same name in one batch;
 * inside a transaction (any other queryable) it runs alone, as a batch of one, on that transaction.
 */
export async function togetherOnPool<I, O>(q: object, name: string, run: (items: I[]) => Promise<O[]>, item: I): Promise<O> {
  if (!(q instanceof DataSource)) return (await run([item]))[0]!;
  return batchesOn(q, name, { run }).call(item);
}
