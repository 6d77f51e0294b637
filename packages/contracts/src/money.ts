/** Arithmetic on amounts in minor units that several services share. */

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
