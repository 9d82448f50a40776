import { describeCondition } from '../../load/abort.ts';
import { parsePhase } from '../../load/phases.ts';
import { PROMQL_STEPS, parseBound, parseComparison, parseQuery } from '../../observe/promql.ts';
import { parseDuration } from '../../parse.ts';
import { type Meaning, type PlanNotes, text } from '../meaning.ts';

// PromQL steps: each says the scenario starts a Prometheus beside its environment (once in the plan), and
// checks its bound, comparison and duration words as the step itself will, so a typo fails at plan time.
// The query itself is Prometheus's to judge: it is checked when the scenario runs.

export const PROMETHEUS_NOTE =
  'starts a Prometheus (scrapes every declared metrics endpoint, the fault proxy and the load generator every 1 s)';

function startsPrometheus(notes: PlanNotes): void {
  if (!notes.system.includes(PROMETHEUS_NOTE)) notes.system.push(PROMETHEUS_NOTE);
}

/** "over the last 30 seconds", a phase's words, or nothing: checked as the step reads them. */
function windowWords(words: unknown): void {
  const last = text(words).match(/^over the last (.+)$/);
  if (last) parseDuration(last[1]!);
  else parsePhase(words === undefined || words === null ? undefined : text(words));
}

export const PROMQL: Record<string, Meaning> = {
  [PROMQL_STEPS.steady]: {
    kind: 'steady state',
    notExported:
      "a PromQL query is asked of the run's own Prometheus, which a Chaos Toolkit run does not start",
    note: ([query, comparison, bound], notes) => {
      parseQuery(text(query));
      parseComparison(text(comparison));
      parseBound(text(bound));
      startsPrometheus(notes);
    },
  },
  [PROMQL_STEPS.stays]: {
    kind: 'verdict',
    note: ([query, comparison, bound, phase], notes) => {
      parseQuery(text(query));
      parseComparison(text(comparison));
      parseBound(text(bound));
      windowWords(phase);
      startsPrometheus(notes);
    },
  },
  [PROMQL_STEPS.reaches]: {
    kind: 'verdict',
    note: ([query, , bound, within], notes) => {
      parseQuery(text(query));
      parseBound(text(bound));
      parseDuration(text(within));
      startsPrometheus(notes);
    },
  },
  [PROMQL_STEPS.abort]: {
    kind: 'abort',
    note: ([query, bound], notes) => {
      notes.aborts.push(
        describeCondition({ kind: 'promql', query: parseQuery(text(query)), above: parseBound(text(bound)) }),
      );
      startsPrometheus(notes);
    },
  },
};
