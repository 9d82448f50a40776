import type { FaultRecord } from '../faults/ledger.ts';
import { type Operation, startOf } from './history.ts';

// The experiment's phases come from the fault ledger's own timestamps, never from the step order: baseline
// is before the first fault began, "under fault" from then until the last fault was removed, recovery after.
// An operation belongs to the phase in which it was due to start (its intended start under an open loop),
// except that one still in flight when the fault began was exposed to it and counts under fault: the
// baseline holds only what the fault cannot have touched.
// Overlapping or successive faults form one fault window, from the first start to the last stop.

export type Phase = 'baseline' | 'fault' | 'recovery' | 'run';

export interface Window {
  phase: Phase;
  /** How a verdict names it: "at baseline", "under fault", "during recovery", "over the whole run". */
  label: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive (Infinity while open-ended). */
  to: number;
  operations: Operation[];
  /** Why the window cannot hold operations at all (no fault injected, fault never removed). */
  absent?: string;
}

export type Phases = Record<Phase, Window>;

export const LABELS: Record<Phase, string> = {
  baseline: 'at baseline',
  fault: 'under fault',
  recovery: 'during recovery',
  run: 'over the whole run',
};

export function splitPhases(operations: readonly Operation[], faults: readonly FaultRecord[]): Phases {
  const started = faults.filter((f) => f.startedAt !== undefined);
  const window = (phase: Phase, from: number, to: number, absent?: string): Window => ({
    phase,
    label: LABELS[phase],
    from,
    to,
    operations: [],
    ...(absent ? { absent } : {}),
  });
  const run = window('run', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  run.operations = [...operations];
  if (started.length === 0) {
    const none = 'no fault was injected in this scenario';
    const baseline = window('baseline', Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    baseline.operations = [...operations];
    return {
      baseline,
      fault: window('fault', Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, none),
      recovery: window('recovery', Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, none),
      run,
    };
  }
  const faultStart = Math.min(...started.map((f) => f.startedAt as number));
  const stillActive = started.filter((f) => f.stoppedAt === undefined);
  const faultEnd =
    stillActive.length > 0
      ? Number.POSITIVE_INFINITY
      : Math.max(...started.map((f) => f.stoppedAt as number));
  const phases: Phases = {
    baseline: window('baseline', Number.NEGATIVE_INFINITY, faultStart),
    fault: window('fault', faultStart, faultEnd),
    recovery: window(
      'recovery',
      faultEnd,
      Number.POSITIVE_INFINITY,
      stillActive.length > 0
        ? `the fault was never removed (${stillActive.map((f) => f.description).join('; ')})`
        : undefined,
    ),
    run,
  };
  for (const op of operations) {
    const start = startOf(op);
    const exposed = op.completedAt > faultStart;
    const phase =
      start < faultStart
        ? exposed
          ? phases.fault
          : phases.baseline
        : start < faultEnd
          ? phases.fault
          : phases.recovery;
    phase.operations.push(op);
  }
  return phases;
}

export class PhaseWordsError extends Error {}

const WORDS: Record<string, Phase> = {
  '': 'run',
  overall: 'run',
  'over the whole run': 'run',
  'at baseline': 'baseline',
  'at the baseline': 'baseline',
  'before the fault': 'baseline',
  'under fault': 'fault',
  'during the fault': 'fault',
  'during recovery': 'recovery',
  'after recovery': 'recovery',
  'after the fault': 'recovery',
  'after the fault is removed': 'recovery',
};

/** Step words → phase; anything else is rejected with the accepted words. */
export function parsePhase(words: string | undefined): Phase {
  const phase = WORDS[(words ?? '').trim().toLowerCase().replace(/\s+/g, ' ')];
  if (phase === undefined)
    throw new PhaseWordsError(
      `'${words}' does not name a phase: write ${Object.keys(WORDS)
        .filter((w) => w !== '')
        .map((w) => `"${w}"`)
        .join(', ')}, or nothing for the whole run`,
    );
  return phase;
}
