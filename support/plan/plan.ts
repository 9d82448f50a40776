import type { FeatureProblem, PlannedScenario } from './features.ts';
import { matchStep, patternKey, type StepDefinitionLike } from './steps.ts';
import { type PlanNotes, type PlannedFault, VOCABULARY } from './vocabulary.ts';

// A plan is what a run would do, read from the features and the step definitions alone: per scenario the
// system it brings up, its abort conditions, its load, and every fault with its targets, duration and blast
// radius. A step the run could not execute (undefined, ambiguous, a malformed parameter) is a problem at
// its file:line — the plan is also the cheapest check of a feature before anything is started.

export interface StepProblem {
  uri: string;
  line: number;
  step: string;
  problem: 'undefined' | 'ambiguous' | 'rejected' | 'syntax';
  message: string;
}

export interface ScenarioPlan {
  uri: string;
  line: number;
  name: string;
  tags: string[];
  system: string[];
  aborts: string[];
  loads: string[];
  faults: (PlannedFault & { line: number; step: string })[];
}

export interface Plan {
  scenarios: ScenarioPlan[];
  problems: StepProblem[];
}

export function planScenarios(
  scenarios: readonly PlannedScenario[],
  definitions: readonly StepDefinitionLike[],
  featureProblems: readonly FeatureProblem[] = [],
): Plan {
  const problems: StepProblem[] = featureProblems.map((p) => ({
    uri: p.uri,
    line: p.line,
    step: '',
    problem: 'syntax',
    message: p.message,
  }));
  const plans = scenarios.map((scenario) => {
    const notes: PlanNotes = { scale: {}, system: [], faults: [], loads: [], aborts: [] };
    const faults: ScenarioPlan['faults'] = [];
    for (const step of scenario.steps) {
      const at = { uri: scenario.uri, line: step.line, step: `${step.keyword} ${step.text}` };
      const match = matchStep(definitions, step.text);
      if (match.state === 'undefined') {
        problems.push({ ...at, problem: 'undefined', message: 'no step definition matches this step' });
        continue;
      }
      if (match.state === 'ambiguous') {
        const where = match.definitions.map((d) => `${d.uri}:${d.line} (${patternKey(d.pattern)})`);
        problems.push({
          ...at,
          problem: 'ambiguous',
          message: `several step definitions match: ${where.join(', ')}`,
        });
        continue;
      }
      if (match.state === 'rejected') {
        problems.push({ ...at, problem: 'rejected', message: match.message });
        continue;
      }
      const meaning = VOCABULARY[patternKey(match.definition.pattern)];
      const before = notes.faults.length;
      try {
        meaning?.note?.(match.args, notes);
      } catch (error) {
        problems.push({
          ...at,
          problem: 'rejected',
          message: error instanceof Error ? error.message : String(error),
        });
      }
      for (const fault of notes.faults.slice(before))
        faults.push({ ...fault, line: step.line, step: step.text });
    }
    return {
      uri: scenario.uri,
      line: scenario.line,
      name: scenario.name,
      tags: scenario.tags,
      system: notes.system,
      aborts: notes.aborts,
      loads: notes.loads,
      faults,
    };
  });
  return { scenarios: plans, problems };
}
