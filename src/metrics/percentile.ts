/**
 * Nearest-rank percentile, `q` in [0, 1]: always a value that was really observed, never an
 * interpolation between two. Null without values, so "no data" never reads as 0 ms. The one
 * percentile of the product: the latency window, the stored samples and the log analysis agree.
 */
export function percentile(values: ArrayLike<number>, q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? null;
}
