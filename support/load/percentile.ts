import { build } from 'hdr-histogram-js';

// Percentiles use the nearest-rank definition (the value at rank ⌈p·n⌉ of the sorted sample), the same one
// HdrHistogram, wrk and autocannon use, so figures can be compared across tools. Below EXACT_LIMIT values the
// sample is sorted and the answer is exact: a histogram bucket's error would be visible there. Above it an
// HDR histogram at microsecond resolution with 3 significant digits keeps the error under 0.1%.
export const EXACT_LIMIT = 1_000;

const MICROS = 1_000;

/** The p-th percentile (0 < p ≤ 100) of latencies in milliseconds; NaN for an empty sample. */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0] ?? Number.NaN;
}

/** Several percentiles of one sample at once (one sort or one histogram). */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  for (const p of ps)
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is out of range: use 0 < p ≤ 100`);
  if (values.length === 0) return ps.map(() => Number.NaN);
  return values.length < EXACT_LIMIT ? exact(values, ps) : histogram(values, ps);
}

function exact(values: readonly number[], ps: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? Number.NaN);
}

function histogram(values: readonly number[], ps: readonly number[]): number[] {
  const h = build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
  try {
    // Negative latencies cannot happen with a monotonic clock; clamp rather than let the histogram throw.
    for (const v of values) h.recordValue(Math.max(0, Math.round(v * MICROS)));
    return ps.map((p) => h.getValueAtPercentile(p) / MICROS);
  } finally {
    h.destroy();
  }
}
