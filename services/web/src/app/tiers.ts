/** Where a fan stands on the program's tier ladder ("You're 80% to Gold!"). */
export interface Tier {
  name: string;
  /** Qualifying points (or spend, per the program) needed to reach the tier. */
  threshold: number;
}

export interface TierStanding {
  current?: Tier;
  next?: Tier;
  /** Whole percent of the way from the current tier to the next, 100 at the top tier. */
  percent: number;
  remaining: number;
}

export function tierStanding(value: number, tiers: readonly Tier[]): TierStanding {
  const ladder = [...tiers].sort((a, b) => a.threshold - b.threshold);
  const current = ladder.filter((t) => t.threshold <= value).at(-1);
  const next = ladder.find((t) => t.threshold > value);
  if (!next) return { current, percent: 100, remaining: 0 };
  const base = current?.threshold ?? 0;
  const percent = Math.min(99, Math.floor(((value - base) * 100) / (next.threshold - base)));
  return { current, next, percent: Math.max(0, percent), remaining: next.threshold - value };
}
