import type { FaultRecord } from '../faults/ledger.ts';
import type { Sample } from './hypothesis.ts';

// When the faults held, and where a reading falls relative to them: every hypothesis verdict speaks of
// "while a fault held" and says when a deviation happened counted from the fault's start.

export interface FaultWindow {
  fault: FaultRecord;
  from: number;
  /** When it was undone; Infinity while it still holds. */
  to: number;
}

export const windowsOf = (faults: readonly FaultRecord[]): FaultWindow[] =>
  faults.flatMap((fault) =>
    fault.startedAt === undefined
      ? []
      : [{ fault, from: fault.startedAt, to: fault.stoppedAt ?? Number.POSITIVE_INFINITY }],
  );

export const during = (samples: readonly Sample[], windows: readonly FaultWindow[]): Sample[] =>
  samples.filter((s) => windows.some((w) => s.at >= w.from && s.at < w.to));

/** "+1.24 s after the fault began" (the first fault's start), or "0.3 s before it". */
export function relative(at: number, windows: readonly FaultWindow[]): string {
  const start = Math.min(...windows.map((w) => w.from));
  if (!Number.isFinite(start)) return new Date(at).toISOString();
  const s = (Math.abs(at - start) / 1000).toFixed(2);
  return at >= start ? `+${s} s after the fault began` : `${s} s before the fault began`;
}
