import { describeErrors, pct } from '../checks/figures.ts';
import { latencyOf, type Operation } from './history.ts';
import { percentile } from './percentile.ts';

// Abort conditions are the experiment's safety brake: "abort if the error rate exceeds 5%" stops the load
// and rolls the faults back as soon as the recorded history crosses the line, instead of letting a fault
// keep hurting the system until its planned end.
//
// What is judged: a sliding window of the most recently *completed* operations — every one that completed
// in the last WINDOW_MS, topped up to the MIN_OPERATIONS most recent when fewer completed in that time (a
// system slowed to a crawl completes few operations; it must still be judged). Nothing is judged before
// MIN_OPERATIONS have completed, so one unlucky early request cannot abort an experiment. An operation
// counts when it completes: one that hangs counts at its timeout, as unknown, and unknown counts as an
// error — from the client's side it was not served. With fewer than 100 operations in the window a p99 is
// the slowest of them (nearest rank), which errs towards aborting: the safe side for a brake.

export const WINDOW_MS = 10_000;
export const MIN_OPERATIONS = 20;

export type AbortCondition =
  | { kind: 'error rate'; above: number }
  | { kind: 'latency'; percentile: number; aboveMs: number }
  // Judged from Prometheus, not the history: polled by support/observe/promql-abort.ts, which trips the watch.
  | { kind: 'promql'; query: string; above: number };

export interface Breach {
  condition: AbortCondition;
  /** The measured figure: a fraction for the error rate, milliseconds for a latency. */
  figure: number;
  /** Operations in the judged window. */
  window: number;
  /** Operations recorded in the whole history when the breach was seen. */
  total: number;
  at: number;
  /** "error rate 12.3% exceeded the 5% abort threshold …" */
  message: string;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;
const percentileName = (p: number) => (p === 50 ? 'median' : `p${p}`);

export function describeCondition(condition: AbortCondition): string {
  if (condition.kind === 'promql')
    return `abort when the PromQL "${condition.query}" exceeds ${condition.above}`;
  return condition.kind === 'error rate'
    ? `abort if the error rate exceeds ${pct(condition.above)}`
    : `abort if ${percentileName(condition.percentile)} latency exceeds ${seconds(condition.aboveMs)}`;
}

/** The operations a condition is judged on at `at`: see the module comment. */
export function recentWindow(operations: readonly Operation[], at: number): Operation[] {
  const since = at - WINDOW_MS;
  const window: Operation[] = [];
  // The history is recorded in completion order, so the newest are at the end.
  for (let i = operations.length - 1; i >= 0; i--) {
    const op = operations[i]!;
    if (op.completedAt > at) continue;
    if (op.completedAt < since && window.length >= MIN_OPERATIONS) break;
    window.push(op);
  }
  return window;
}

/** The breach of `condition` by the history at `at`, if any. */
export function breachOf(
  condition: AbortCondition,
  operations: readonly Operation[],
  at: number,
): Breach | undefined {
  if (condition.kind === 'promql') return undefined;
  const window = recentWindow(operations, at);
  if (window.length < MIN_OPERATIONS) return undefined;
  const total = operations.length;
  const span = `after ${total} operations (judged over the ${window.length} most recent)`;
  if (condition.kind === 'error rate') {
    const failed = window.filter((op) => op.outcome !== 'ok');
    const errors = failed.length;
    const rate = errors / window.length;
    if (!(rate > condition.above)) return undefined;
    return {
      condition,
      figure: rate,
      window: window.length,
      total,
      at,
      message: `error rate ${pct(rate)} (${errors} of ${window.length} failed or unknown: ${describeErrors(failed)}) exceeded the ${pct(condition.above)} abort threshold ${span}`,
    };
  }
  const value = percentile(window.map(latencyOf), condition.percentile);
  if (!(value > condition.aboveMs)) return undefined;
  return {
    condition,
    figure: value,
    window: window.length,
    total,
    at,
    message: `${percentileName(condition.percentile)} latency ${seconds(value)} exceeded the ${seconds(condition.aboveMs)} abort threshold ${span}`,
  };
}

/** The first of `conditions` the history breaches at `at`. */
export function firstBreach(
  conditions: readonly AbortCondition[],
  operations: readonly Operation[],
  at: number,
): Breach | undefined {
  for (const condition of conditions) {
    const breach = breachOf(condition, operations, at);
    if (breach) return breach;
  }
  return undefined;
}
