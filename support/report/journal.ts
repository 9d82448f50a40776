import { type ChaosToolkitFields, chaosToolkitFields, experimentStatus } from './chaostoolkit-journal.ts';
import type { JournalEntry } from './journal-entry.ts';

// The run journal (reports/journal.json), machine-readable like Chaos Toolkit's: the run's identity and
// environment, then per scenario the steady state before and after, every fault with its timestamps, the
// phases with their measured figures and every verdict with its figures. It is built in the runner from
// what each scenario attached (journal.json, steady-state.txt) and from cucumber's own results, so a
// scenario that failed before its After hook still appears, with its status and error.

export type ScenarioStatus =
  | 'passed'
  | 'failed'
  | 'skipped'
  | 'undefined'
  | 'ambiguous'
  | 'pending'
  | 'unknown';

export interface JournalScenario {
  feature: string;
  uri: string;
  /** The family of failure modes: the folder under features/ (network, process, tls …). */
  family: string;
  name: string;
  tags: string[];
  status: ScenarioStatus;
  /** The first failing step's error, as cucumber reported it. */
  error?: string;
  startedAt?: string;
  endedAt?: string;
  steadyStateBefore: { met: boolean; evidence: string[] };
  steadyStateAfter: { clean: boolean; problems: string[] } | null;
  faults: JournalEntry['faults'];
  phases: JournalEntry['phases'];
  verdicts: JournalEntry['verdicts'];
  operations: JournalEntry['operations'] | null;
  seed: number | null;
  backend: string | null;
  topology: JournalEntry['topology'];
}

/** A scenario in the journal: faultline's record, and the same as a Chaos Toolkit experiment's journal. */
export type JournaledScenario = JournalScenario &
  ChaosToolkitFields & { experiment_status: ReturnType<typeof experimentStatus>['status'] };

/**
 * The run journal: faultline's fields, and beside them the run as one Chaos Toolkit journal (deviated,
 * steady_states, run, rollbacks, start, end, duration: support/report/chaostoolkit-journal.ts); `status`
 * keeps faultline's meaning.
 */
export interface Journal extends ChaosToolkitFields {
  journal: 'faultline';
  version: 1;
  status: 'passed' | 'failed';
  startedAt: string;
  endedAt: string;
  seed: number | null;
  backends: string[];
  environment: Record<string, string>;
  summary: { scenarios: number; passed: number; failed: number; other: number };
  scenarios: JournaledScenario[];
}

export function familyOf(uri: string): string {
  const parts = uri.replace(/\\/g, '/').split('/');
  const at = parts.lastIndexOf('features');
  return at >= 0 && parts.length - at > 2 ? (parts[at + 1] as string) : (parts.at(-2) ?? 'features');
}

export function buildJournal(
  scenarios: JournalScenario[],
  run: { startedAt: string; endedAt: string; success: boolean; environment: Record<string, string> },
): Journal {
  const passed = scenarios.filter((s) => s.status === 'passed').length;
  const failed = scenarios.filter((s) => s.status === 'failed').length;
  const seeds = scenarios.flatMap((s) => (s.seed === null ? [] : [s.seed]));
  const journaled: JournaledScenario[] = scenarios.map((s) => ({
    ...s,
    experiment_status: experimentStatus(s).status,
    ...chaosToolkitFields(s),
  }));
  const all = (pick: (s: JournaledScenario) => ChaosToolkitFields['steady_states']['before']) => {
    const states = journaled.flatMap((s) => (pick(s) ? [pick(s)!] : []));
    return states.length === 0
      ? null
      : {
          steady_state_met: states.every((x) => x.steady_state_met),
          probes: states.flatMap((x) => x.probes),
        };
  };
  return {
    journal: 'faultline',
    version: 1,
    status: run.success && failed === 0 ? 'passed' : 'failed',
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    seed: seeds[0] ?? null,
    backends: [...new Set(scenarios.flatMap((s) => (s.backend ? [s.backend] : [])))],
    environment: run.environment,
    summary: { scenarios: scenarios.length, passed, failed, other: scenarios.length - passed - failed },
    // The run as one Chaos Toolkit journal: every scenario's steady states, fault runs and undos together.
    deviated: journaled.some((s) => s.deviated),
    steady_states: {
      before: all((s) => s.steady_states.before),
      after: all((s) => s.steady_states.after),
      during: journaled.flatMap((s) => s.steady_states.during),
    },
    run: journaled.flatMap((s) => s.run),
    rollbacks: journaled.flatMap((s) => s.rollbacks),
    start: run.startedAt,
    end: run.endedAt,
    duration: (Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000,
    scenarios: journaled,
  };
}
