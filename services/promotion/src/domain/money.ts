/** a × b / d rounded half-even, for non-negative integers (amounts stay far below 2^53 / 10,000). */
export function mulDivHalfEven(a: number, b: number, d: number): number {
  const n = a * b;
  const q = Math.floor(n / d);
  const r = n - q * d;
  if (r * 2 > d) return q + 1;
  if (r * 2 < d) return q;
  return q % 2 === 0 ? q : q + 1;
}
