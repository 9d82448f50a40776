import { latencyOf, type Operation } from '../load/history.ts';
import { EXACT_LIMIT, percentile } from '../load/percentile.ts';
import type { Phases, Window } from '../load/phases.ts';
import { countOutcomes, describeCounts, emptyWindow, ms, pct, round3 } from './figures.ts';
import type { Verdict } from './verdict.ts';

// Latency is what the client experienced: from when an operation was due until its answer (or its timeout),
// whatever the outcome. Every operation of the window counts — an unknown one at the time the client waited
// for it, a lower bound of its true latency, so timeouts can only raise a percentile, never hide in it.
// Failures count at their measured time too (as wrk, autocannon and HdrHistogram practice do); a system
// that fails fast is caught by the error-rate check beside this one, and by the share-within-SLO check,
// which counts only successes as "complete".

export class PercentileWordsError extends Error {}

/** "p95" → 95, "p99.9" → 99.9, "median" → 50; anything else is rejected with what is accepted. */
export function parsePercentile(words: string): number {
  const text = words.trim().toLowerCase();
  if (text === 'median') return 50;
  const match = text.match(/^p(\d{1,2}(?:\.\d+)?|100)$/);
  const p = match ? Number(match[1]) : Number.NaN;
  if (!(p > 0 && p <= 100))
    throw new PercentileWordsError(
      `'${words}' is not a percentile: write p followed by a number above 0 and up to 100, e.g. p50, p95, p99.9, or "median"`,
    );
  return p;
}

const name = (p: number) => (p === 50 ? 'p50 (median)' : `p${p}`);
const latencies = (ops: readonly Operation[]) => ops.map(latencyOf);
const method = (n: number) => (n < EXACT_LIMIT ? 'exact' : 'hdr-histogram');

/** `p` latency of the window is strictly below `boundMs`. */
export function latencyBelow(window: Window, p: number, boundMs: number): Verdict {
  const check = `${name(p)} latency ${window.label} below ${ms(boundMs)}`;
  const ops = window.operations;
  if (ops.length === 0)
    return {
      check,
      pass: false,
      message: emptyWindow(window),
      figures: { phase: window.phase, operations: 0 },
    };
  const values = latencies(ops);
  const value = percentile(values, p);
  const counts = countOutcomes(ops);
  const above = values.filter((v) => v >= boundMs).length;
  const figures = {
    phase: window.phase,
    operations: ops.length,
    [`p${p}_ms`]: round3(value),
    bound_ms: boundMs,
    above_bound: above,
    ...counts,
    method: method(ops.length),
  };
  const over = `${name(p)} latency ${window.label} was ${ms(value)} over ${ops.length} operations (${describeCounts(counts)})`;
  return value < boundMs
    ? { check, pass: true, message: `${over}, below the ${ms(boundMs)} bound`, figures }
    : {
        check,
        pass: false,
        message: `${over}: not below the ${ms(boundMs)} bound — ${above} operation(s) (${pct(above / ops.length)}) took ${ms(boundMs)} or longer, the slowest ${ms(values.reduce((a, b) => Math.max(a, b), 0))}`,
        figures,
      };
}

/** `p` latency under fault is at most `factor` times the same percentile at baseline. */
export function latencyRatioToBaseline(phases: Phases, p: number, factor: number): Verdict {
  const check = `${name(p)} latency under fault at most ${factor}× the baseline`;
  const { baseline, fault } = phases;
  for (const window of [baseline, fault])
    if (window.operations.length === 0)
      return {
        check,
        pass: false,
        message: `${emptyWindow(window)}; the ratio needs operations both at baseline and under fault`,
        figures: {
          baseline_operations: baseline.operations.length,
          fault_operations: fault.operations.length,
        },
      };
  const base = percentile(latencies(baseline.operations), p);
  const under = percentile(latencies(fault.operations), p);
  const ratio = base > 0 ? under / base : under > 0 ? Number.POSITIVE_INFINITY : 1;
  const figures = {
    [`baseline_p${p}_ms`]: round3(base),
    [`fault_p${p}_ms`]: round3(under),
    ratio: round3(ratio),
    factor,
    baseline_operations: baseline.operations.length,
    fault_operations: fault.operations.length,
  };
  const measured = `${name(p)} under fault was ${ms(under)} (${fault.operations.length} operations) against ${ms(base)} at baseline (${baseline.operations.length} operations): ${Number(ratio.toFixed(2))}×`;
  return ratio <= factor
    ? { check, pass: true, message: `${measured}, within ${factor}×`, figures }
    : { check, pass: false, message: `${measured}, more than the allowed ${factor}×`, figures };
}

/**
 * At least `share` of the window's operations completed successfully within `boundMs`. Failed and unknown
 * operations count against it: they did not complete within the SLO, however fast they failed.
 */
export function shareWithin(window: Window, share: number, boundMs: number): Verdict {
  const check = `at least ${pct(share)} ${window.label} complete within ${ms(boundMs)}`;
  const ops = window.operations;
  if (ops.length === 0)
    return {
      check,
      pass: false,
      message: emptyWindow(window),
      figures: { phase: window.phase, operations: 0 },
    };
  let within = 0;
  let slow = 0;
  for (const op of ops) {
    if (op.outcome !== 'ok') continue;
    if (latencyOf(op) <= boundMs) within += 1;
    else slow += 1;
  }
  const counts = countOutcomes(ops);
  const measured = within / ops.length;
  const figures = {
    phase: window.phase,
    operations: ops.length,
    within,
    share: round3(measured),
    required: share,
    bound_ms: boundMs,
    slow_ok: slow,
    ...counts,
  };
  const text = `${within} of ${ops.length} operations ${window.label} (${pct(measured)}) completed ok within ${ms(boundMs)}`;
  return measured >= share
    ? { check, pass: true, message: `${text}, at least the required ${pct(share)}`, figures }
    : {
        check,
        pass: false,
        message: `${text}: fewer than the required ${pct(share)} — ${slow} succeeded too slowly, ${counts.fail} failed, ${counts.unknown} unknown`,
        figures,
      };
}
