import type { Topology } from '../system/topology.ts';
import type { PlanNotes, PlannedFault } from './meaning.ts';
import { matchStep, patternKey, type StepDefinitionLike } from './steps.ts';
import { VOCABULARY } from './vocabulary.ts';

// One fault step's text, read the way the plan reads it (the same definitions and meanings), outside a
// feature: what a command applying "<fault step text>" to a running system needs — the fault as data, or
// a clear error for text the vocabulary does not know, before anything is applied.

export function faultOfText(
  text: string,
  definitions: readonly StepDefinitionLike[],
  topology?: Topology,
): PlannedFault {
  const step = text.trim().replace(/^(Given|When|Then|And|But)\s+/, '');
  const match = matchStep(definitions, step);
  if (match.state === 'undefined')
    throw new Error(
      `'${step}' is not a fault step of the vocabulary (npx faultline plan lists them); e.g. "the network between controller and redis is partitioned for 5 seconds", "2 of the workers are killed with SIGKILL"`,
    );
  if (match.state === 'ambiguous')
    throw new Error(
      `'${step}' matches several step definitions: ${match.definitions.map((d) => `${d.uri}:${d.line}`).join(', ')}`,
    );
  if (match.state === 'rejected') throw new Error(`'${step}': ${match.message}`);
  const meaning = VOCABULARY[patternKey(match.definition.pattern)];
  if (meaning?.kind !== 'fault')
    throw new Error(`'${step}' is a ${meaning?.kind ?? 'custom'} step, not a fault`);
  const notes: PlanNotes = { scale: {}, system: [], faults: [], loads: [], aborts: [], topology };
  meaning.note?.(match.args, notes);
  const fault = notes.faults[0];
  if (!fault) throw new Error(`'${step}' names no fault the plan can describe`);
  return fault;
}
