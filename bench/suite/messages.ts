import { readFileSync } from 'node:fs';

// What the suite benchmark reads from a run's Cucumber messages (reports/messages.ndjson, written by the
// `ci` profile): per scenario its steps' texts, how long it took, how long bringing its topology up took
// (its first step, the steady state) and how long the rollback-and-teardown hook took.

export interface ScenarioTiming {
  name: string;
  uri: string;
  tags: string[];
  steps: string[];
  status: string;
  /** The whole test case, ms. */
  ms: number;
  /** Its first step when that is the steady state ("a healthy …", "the system is running"), ms. */
  upMs: number;
  /** support/hooks.ts's "Rollback, evidence, teardown" hook, ms. */
  downMs: number;
  startedAt: number;
  finishedAt: number;
}

export interface RunTiming {
  wallMs: number;
  scenarios: ScenarioTiming[];
}

interface Timestamp {
  seconds: number;
  nanos: number;
}
const ms = (t: Timestamp): number => t.seconds * 1000 + t.nanos / 1e6;
const STEADY_STATE = /^(a healthy |the system is running)/;
const TEARDOWN_HOOK = 'Rollback, evidence, teardown';

export function readRun(path: string): RunTiming {
  const pickles = new Map<
    string,
    { name: string; uri: string; tags: string[]; steps: Map<string, string>; order: string[] }
  >();
  const hooks = new Map<string, string>();
  const cases = new Map<
    string,
    { pickleId: string; steps: Map<string, { pickleStepId?: string; hookId?: string }> }
  >();
  const started = new Map<string, { testCaseId: string; at: number }>();
  const stepStarted = new Map<string, number>();
  const timings = new Map<string, ScenarioTiming>();
  let runStarted = 0;
  let runFinished = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line);
    if (m.pickle) {
      const steps = new Map<string, string>(
        m.pickle.steps.map((s: { id: string; text: string }) => [s.id, s.text]),
      );
      pickles.set(m.pickle.id, {
        name: m.pickle.name,
        uri: m.pickle.uri,
        tags: m.pickle.tags.map((t: { name: string }) => t.name),
        steps,
        order: m.pickle.steps.map((s: { text: string }) => s.text),
      });
    } else if (m.hook) hooks.set(m.hook.id, m.hook.name ?? '');
    else if (m.testCase)
      cases.set(m.testCase.id, {
        pickleId: m.testCase.pickleId,
        steps: new Map(m.testCase.testSteps.map((s: { id: string }) => [s.id, s])),
      });
    else if (m.testRunStarted) runStarted = ms(m.testRunStarted.timestamp);
    else if (m.testRunFinished) runFinished = ms(m.testRunFinished.timestamp);
    else if (m.testCaseStarted) {
      const { id, testCaseId, timestamp } = m.testCaseStarted;
      started.set(id, { testCaseId, at: ms(timestamp) });
      const testCase = cases.get(testCaseId)!;
      const pickle = pickles.get(testCase.pickleId)!;
      timings.set(id, {
        name: pickle.name,
        uri: pickle.uri,
        tags: pickle.tags,
        steps: pickle.order,
        status: 'UNKNOWN',
        ms: 0,
        upMs: 0,
        downMs: 0,
        startedAt: ms(timestamp),
        finishedAt: 0,
      });
    } else if (m.testStepStarted) {
      const { testCaseStartedId, testStepId, timestamp } = m.testStepStarted;
      stepStarted.set(`${testCaseStartedId}/${testStepId}`, ms(timestamp));
    } else if (m.testStepFinished) {
      const { testCaseStartedId, testStepId, timestamp, testStepResult } = m.testStepFinished;
      const timing = timings.get(testCaseStartedId)!;
      const at = started.get(testCaseStartedId)!;
      const step = cases.get(at.testCaseId)!.steps.get(testStepId);
      const took = ms(timestamp) - (stepStarted.get(`${testCaseStartedId}/${testStepId}`) ?? ms(timestamp));
      if (testStepResult.status !== 'PASSED' && timing.status === 'UNKNOWN')
        timing.status = testStepResult.status;
      if (step?.hookId !== undefined && hooks.get(step.hookId) === TEARDOWN_HOOK) timing.downMs = took;
      if (step?.pickleStepId !== undefined) {
        const text = pickles.get(cases.get(at.testCaseId)!.pickleId)!.steps.get(step.pickleStepId) ?? '';
        if (timing.upMs === 0 && STEADY_STATE.test(text)) timing.upMs = took;
      }
    } else if (m.testCaseFinished) {
      const timing = timings.get(m.testCaseFinished.testCaseStartedId)!;
      timing.finishedAt = ms(m.testCaseFinished.timestamp);
      timing.ms = timing.finishedAt - timing.startedAt;
      if (timing.status === 'UNKNOWN') timing.status = 'PASSED';
      if (m.testCaseFinished.willBeRetried) timing.status = 'RETRIED';
    }
  }
  return { wallMs: runFinished - runStarted, scenarios: [...timings.values()] };
}
