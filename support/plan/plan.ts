import type { FeatureProblem, PlannedScenario } from './features.ts';
import type { PlanNotes, PlannedFault } from './meaning.ts';
import { matchStep, patternKey, type StepDefinitionLike } from './steps.ts';
import type { PlanSystem } from './system.ts';
import { VOCABULARY } from './vocabulary.ts';

// A plan is what a run would do, read from the features and the step definitions alone: per scenario the
// system it brings up, its abort conditions, its load, and every fault with its targets, duration and blast
// radius. A step the run could not execute (undefined, ambiguous, a malformed parameter) is a problem at
// its file:line — the plan is also the cheapest check of a feature before anything is started. With the
// selected system loaded, every service or group a step names is checked against the topology that
// scenario would start (at the scale its steady-state step sets), as the step itself checks it in a run.

export interface StepProblem {
  uri: string;
  line: number;
  step: string;
  /**
   * 'system': the config or the selected system could not be loaded (reported once, at the config);
   * 'chaos-mesh': the fault has no Chaos Mesh translation (plan --emit chaos-mesh).
   */
  problem: 'undefined' | 'ambiguous' | 'rejected' | 'syntax' | 'system' | 'chaos-mesh';
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
  /** How many of its steps are problems (undefined, rejected …): a plan of it is incomplete. */
  problems: number;
}

export interface Plan {
  scenarios: ScenarioPlan[];
  problems: StepProblem[];
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function planScenarios(
  scenarios: readonly PlannedScenario[],
  definitions: readonly StepDefinitionLike[],
  featureProblems: readonly FeatureProblem[] = [],
  system?: PlanSystem,
): Promise<Plan> {
  const problems: StepProblem[] = featureProblems.map((p) => ({
    uri: p.uri,
    line: p.line,
    step: '',
    problem: 'syntax',
    message: p.message,
  }));
  const plans: ScenarioPlan[] = [];
  for (const scenario of scenarios) {
    const notes: PlanNotes = { scale: {}, system: [], faults: [], loads: [], aborts: [] };
    const faults: ScenarioPlan['faults'] = [];
    const problemsBefore = problems.length;
    // A scale the system refuses is reported at the step that set it; the scenario's later words go unchecked.
    let built = system?.at(notes.scale).catch(() => undefined);
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
      const scale = JSON.stringify(notes.scale);
      const current = await built;
      notes.topology = current?.topology;
      notes.operations = current ? Object.keys(current.operations) : undefined;
      notes.requests = current?.requests;
      notes.records = current ? Object.keys(current.records ?? {}) : undefined;
      notes.audited = current ? (current.audited ?? null) : undefined;
      notes.credentials = current?.credentials;
      try {
        // A data table comes last, as cucumber passes it to the step.
        meaning?.note?.(step.table ? [...match.args, step.table] : match.args, notes);
      } catch (error) {
        problems.push({ ...at, problem: 'rejected', message: messageOf(error) });
      }
      if (system && JSON.stringify(notes.scale) !== scale) {
        built = system.at(notes.scale).catch((error: unknown) => {
          problems.push({ ...at, problem: 'rejected', message: messageOf(error) });
          return undefined;
        });
        await built;
      }
      for (const fault of notes.faults.slice(before))
        faults.push({ ...fault, line: step.line, step: step.text });
    }
    plans.push({
      uri: scenario.uri,
      line: scenario.line,
      name: scenario.name,
      tags: scenario.tags,
      system: notes.system,
      aborts: notes.aborts,
      loads: notes.loads,
      faults,
      problems: problems.length - problemsBefore,
    });
  }
  return { scenarios: plans, problems };
}
