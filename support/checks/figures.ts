import type { Operation } from '../load/history.ts';
import type { Window } from '../load/phases.ts';

// Shared wording for load verdicts, so every message states its figures the same way.

/** 12.345 → "12.3 ms"; small values keep two decimals so sub-millisecond latencies stay visible. */
export const ms = (value: number): string => `${Number(value.toFixed(Math.abs(value) < 10 ? 2 : 1))} ms`;

/** 0.01234 → "1.23%". */
export const pct = (fraction: number): string => `${Number((fraction * 100).toFixed(2))}%`;

export const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export interface OutcomeCounts {
  ok: number;
  fail: number;
  unknown: number;
}

export function countOutcomes(operations: readonly Operation[]): OutcomeCounts {
  const counts = { ok: 0, fail: 0, unknown: 0 };
  for (const op of operations) counts[op.outcome] += 1;
  return counts;
}

export const describeCounts = (c: OutcomeCounts): string =>
  `${c.ok} ok, ${c.fail} failed, ${c.unknown} unknown`;

/** The failing verdict's message for a window that holds nothing to judge. */
export function emptyWindow(window: Window): string {
  return `no operations ${window.label}${window.absent ? `: ${window.absent}` : ''} — nothing was measured, so nothing is proven`;
}

/** "8 × 503, 4 × unknown (timeout …)": what went wrong, most frequent first. */
export function describeErrors(operations: readonly Operation[], limit = 3): string {
  const kinds = new Map<string, number>();
  for (const op of operations) {
    const key =
      op.outcome === 'unknown'
        ? `unknown (${(op.error ?? 'no answer').slice(0, 60)})`
        : op.status !== undefined
          ? `status ${op.status}`
          : `failed (${(op.error ?? 'no detail').slice(0, 60)})`;
    kinds.set(key, (kinds.get(key) ?? 0) + 1);
  }
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, limit).map(([k, n]) => `${n} × ${k}`);
  if (sorted.length > limit) shown.push(`${sorted.length - limit} other kind(s)`);
  return shown.join(', ');
}
