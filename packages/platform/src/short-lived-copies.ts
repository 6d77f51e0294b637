/**
 * A process's copies of what changes rarely and is read on every request (a tenant's catalog of
 * rules), each kept for a short while. A copy counts from the start of its load, so what it
 * serves is never older than `keptMs`; readers arriving while it loads share that one load; a
 * failed load is not kept; `forget` drops a copy at once, a load under way included, so a change
 * made while it runs is not hidden by it when it ends. The process's own writes call `forget`;
 * another replica's show within `keptMs`.
 */
export class ShortLivedCopies<T> {
  private readonly kept = new Map<string, { until: number; copy: Promise<T> }>();

  constructor(
    private readonly keptMs: number,
    /** Keys seen once long ago are dropped together rather than tracked one by one. */
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.now();
    const known = this.kept.get(key);
    if (known && known.until > now) return known.copy;
    if (this.kept.size >= this.maxKeys) this.kept.clear();
    const entry = { until: now + this.keptMs, copy: load() };
    this.kept.set(key, entry);
    entry.copy.catch(() => {
      // Only this load's entry: a newer one may have replaced it meanwhile.
      if (this.kept.get(key) === entry) this.kept.delete(key);
    });
    return entry.copy;
  }

  forget(key: string): void {
    this.kept.delete(key);
  }
}
