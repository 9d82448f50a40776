import { statusOf, type Verdict, type VerdictStatus } from '../checks/verdict.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import type { Operation } from '../load/history.ts';
import type { PhaseFigures } from './slo-table.ts';
import { type TimelineEntry, timelineOf } from './timeline.ts';

// What one scenario contributes to the run journal (reports/journal.json), attached as journal.json so it
// travels with the scenario's other evidence from a parallel worker to the runner, where the journal
// formatter (support/report/journal-formatter.ts) adds the scenario's identity, status and steady state.

export const JOURNAL_ENTRY = 'journal.json';

export interface JournalEntry {
  scenario: string;
  seed: number;
  backend: string | null;
  topology: { name: string; services: { name: string; group?: string }[] } | null;
  startedAt: string;
  endedAt: string;
  /** The steady state after the rollback: clean, or each problem verifyClean named. */
  steadyStateAfter: { clean: boolean; problems: string[] };
  faults: TimelineEntry[];
  phases: PhaseFigures[];
  /** Each verdict with its tri-state status (pass, fail, unknown): an unknown one has pass false too. */
  verdicts: (Verdict & { status?: VerdictStatus })[];
  operations: { total: number; ok: number; fail: number; unknown: number };
}

export interface EntryInput {
  scenario: string;
  seed: number;
  backend?: string;
  topology?: { name: string; services: { name: string; group?: string }[] };
  startedAt: number;
  faults: readonly FaultRecord[];
  phases: PhaseFigures[];
  verdicts: readonly Verdict[];
  operations: readonly Operation[];
  problems: readonly string[];
}

export function journalEntry(input: EntryInput): JournalEntry {
  const count = (o: Operation['outcome']) => input.operations.filter((op) => op.outcome === o).length;
  return {
    scenario: input.scenario,
    seed: input.seed,
    backend: input.backend ?? null,
    topology: input.topology
      ? {
          name: input.topology.name,
          services: input.topology.services.map((s) => ({
            name: s.name,
            ...(s.group ? { group: s.group } : {}),
          })),
        }
      : null,
    startedAt: new Date(input.startedAt).toISOString(),
    endedAt: new Date().toISOString(),
    steadyStateAfter: { clean: input.problems.length === 0, problems: [...input.problems] },
    faults: timelineOf(input.faults, input.startedAt),
    phases: input.phases,
    verdicts: input.verdicts.map((v) => ({ ...v, status: statusOf(v) })),
    operations: {
      total: input.operations.length,
      ok: count('ok'),
      fail: count('fail'),
      unknown: count('unknown'),
    },
  };
}
