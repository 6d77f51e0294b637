/** a × b / d rounded half-even, for non-negative integers (amounts stay far below 2^53 / 10,000). */
export function mulDivHalfEven(a: number, b: number, d: number): number {
  const n = a * b;
  const q = Math.floor(n / d);
  const r = n - q * d;
  if (r * 2 > d) return q + 1;
  if (r * 2 < d) return q;
  return q % 2 === 0 ? q : q + 1;
}

/**
 * Splits `amount` over `weights` in proportion (largest remainder, ties to the earlier index):
 * the parts always add up to exactly `amount` and no part exceeds its weight when amount <= sum.
 */
export function distribute(amount: number, weights: number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total === 0) return weights.map(() => 0);
  const parts = weights.map((w) => Math.floor((amount * w) / total));
  const remainders = weights.map((w, i) => ({ i, r: amount * w - (parts[i] ?? 0) * total }));
  let left = amount - parts.reduce((s, p) => s + p, 0);
  remainders.sort((x, y) => y.r - x.r || x.i - y.i);
  for (const { i } of remainders) {
    if (left === 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}
