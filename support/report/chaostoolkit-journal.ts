import { hostname } from 'node:os';
import type { JournalScenario } from './journal.ts';

// The run journal in the shape Chaos Toolkit's own tools read (chaoslib's run journal: `status`, `deviated`,
// `steady_states` {before, after, during}, `run`, `rollbacks`, `start`, `end`, `duration`, `experiment`),
// so a team that keeps its chaos runs in Chaos Toolkit's tooling (`chaos report`, dashboards reading
// journals) sees faultline's scenarios beside its own experiments. One scenario is one experiment:
//
// | faultline                                   | Chaos Toolkit                                          |
// | Given … (steady state met, its evidence)    | steady_states.before (the probe's output)             |
// | Then … verdicts, judged under the fault     | steady_states.during (one probe run per verdict)      |
// | the environment verified clean after rollback | steady_states.after                                  |
// | each fault (apply, evidence)                | run: one action run per fault                          |
// | each undo                                   | rollbacks: one action run per undo                     |
// | passed / a verdict broke / aborted / other  | status completed / completed + deviated / aborted / failed |
//
// The fields sit beside faultline's own: `status` of the run journal and of each scenario keeps faultline's
// meaning (passed, failed, …), so a scenario's Chaos Toolkit status is `experiment_status` in journal.json
// and `status` in the per-scenario journals written under chaostoolkit/ (chaoslib's exact shape).

type CtkStatus = 'completed' | 'failed' | 'aborted';

interface ActivityRun {
  activity: { type: 'action' | 'probe'; name: string; provider: { type: 'faultline'; step: string } };
  status: 'succeeded' | 'failed';
  output: string[] | Record<string, unknown>;
  start?: string;
  end?: string;
  duration?: number;
}

interface SteadyState {
  steady_state_met: boolean;
  probes: ActivityRun[];
}

export interface ChaosToolkitFields {
  deviated: boolean;
  steady_states: { before: SteadyState | null; after: SteadyState | null; during: SteadyState[] };
  run: ActivityRun[];
  rollbacks: ActivityRun[];
  start: string | null;
  end: string | null;
  duration: number | null;
}

const seconds = (start?: string, end?: string) =>
  start && end ? (Date.parse(end) - Date.parse(start)) / 1000 : undefined;

/** A scenario's status in Chaos Toolkit's words, and whether its hypothesis deviated under the fault. */
export function experimentStatus(s: JournalScenario): { status: CtkStatus; deviated: boolean } {
  if (s.status === 'passed') return { status: 'completed', deviated: false };
  if (s.error?.startsWith('ABORTED')) return { status: 'aborted', deviated: false };
  // A verdict that broke is the steady state deviating under the fault: the experiment itself completed.
  // An invalid experiment (a fault without effect, a verdict the evidence could not decide) or a dirty
  // rollback did not: it failed.
  const invalid = /^UNKNOWN |had no effect|rollback left the environment dirty|undo failed/.test(
    s.error ?? '',
  );
  if (s.status === 'failed' && s.steadyStateBefore.met && !invalid && s.verdicts.some((v) => !v.pass))
    return { status: 'completed', deviated: true };
  return { status: 'failed', deviated: false };
}

export function chaosToolkitFields(s: JournalScenario): ChaosToolkitFields {
  const probe = (name: string, status: boolean, output: ActivityRun['output'], at?: string): ActivityRun => ({
    activity: { type: 'probe', name, provider: { type: 'faultline', step: name } },
    status: status ? 'succeeded' : 'failed',
    output,
    ...(at ? { start: at, end: at, duration: 0 } : {}),
  });
  const before: SteadyState = {
    steady_state_met: s.steadyStateBefore.met,
    probes: [
      probe(
        'steady state: every service answers through every link',
        s.steadyStateBefore.met,
        s.steadyStateBefore.evidence,
        s.startedAt,
      ),
    ],
  };
  const after: SteadyState | null = s.steadyStateAfter
    ? {
        steady_state_met: s.steadyStateAfter.clean,
        probes: [
          probe(
            'environment verified clean after rollback',
            s.steadyStateAfter.clean,
            s.steadyStateAfter.problems,
            s.endedAt,
          ),
        ],
      }
    : null;
  const during: SteadyState[] =
    s.verdicts.length === 0
      ? []
      : [
          {
            steady_state_met: s.verdicts.every((v) => v.pass),
            probes: s.verdicts.map((v) => probe(v.check, v.pass, { message: v.message, figures: v.figures })),
          },
        ];
  const run: ActivityRun[] = s.faults.map((f) => ({
    activity: { type: 'action', name: f.description, provider: { type: 'faultline', step: f.kind } },
    status: f.state === 'applying' ? 'failed' : 'succeeded',
    output: f.evidence,
    ...(f.startedAt ? { start: f.startedAt } : {}),
    ...(f.startedAt ? { end: f.startedAt, duration: 0 } : {}),
  }));
  const rollbacks: ActivityRun[] = s.faults
    .filter((f) => f.stoppedAt !== undefined || f.state === 'undo-failed')
    .map((f) => ({
      activity: {
        type: 'action',
        name: `undo ${f.description}`,
        provider: { type: 'faultline', step: 'undo' },
      },
      status: f.state === 'undone' ? 'succeeded' : 'failed',
      output: [f.undo, ...(f.traffic ? [`traffic: ${f.traffic.evidence}`] : [])],
      ...(f.stoppedAt ? { start: f.stoppedAt, end: f.stoppedAt, duration: 0 } : {}),
    }));
  return {
    deviated: experimentStatus(s).deviated,
    steady_states: { before, after, during },
    run,
    rollbacks,
    start: s.startedAt ?? null,
    end: s.endedAt ?? null,
    duration: seconds(s.startedAt, s.endedAt) ?? null,
  };
}

/** One scenario as a journal file of chaoslib's exact shape (what `chaos report` takes). */
export function chaosToolkitJournal(s: JournalScenario, environment: Record<string, string>) {
  const fields = chaosToolkitFields(s);
  return {
    'chaoslib-version': null,
    platform: environment['os'] ?? process.platform,
    node: hostname(),
    experiment: {
      version: '1.0.0',
      title: s.name,
      description: `${s.feature} (faultline: ${s.uri})`,
      tags: s.tags.map((t) => t.replace(/^@/, '')),
      method: s.faults.map((f) => ({
        type: 'action',
        name: f.description,
        provider: { type: 'faultline', step: f.kind },
      })),
    },
    status: experimentStatus(s).status,
    ...fields,
  };
}
