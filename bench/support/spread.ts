// How the benchmarks report repeated measurements on a noisy machine: the median, with the
// range it came from.

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** "median (min-max)", or the single value; counts rounded, ratios with `digits` decimals. */
export function describeSpread(values: number[], digits = 0): string {
  const f = (value: number) => (digits === 0 ? formatCount(value) : value.toFixed(digits));
  return values.length === 1 ? f(values[0]) : `${f(median(values))} (${f(Math.min(...values))}-${f(Math.max(...values))})`;
}
