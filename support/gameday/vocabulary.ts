import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api';
import { EFFECT_WORDS, NETWORK_FAULT_STEP } from '../faults/network/effects.ts';
import { StepInputError } from '../parse.ts';
import type { StepKind } from '../plan/meaning.ts';
import { matchStep, patternKey, type StepDefinitionLike } from '../plan/steps.ts';
import { VOCABULARY } from '../plan/vocabulary.ts';

// A game day speaks the features' own vocabulary: `faultline fault "<step text>"` runs the very step
// definition a scenario would, loaded the way cucumber-js loads it (its configuration, its support-code
// loader, the project's own steps beside faultline's), so a fault applied by hand has the same words, guard,
// proof and ledger as in a run, and there is no second copy of how a fault is built. The plan's vocabulary
// says which steps are faults; a step it does not know, or one of another kind, is refused before anything
// runs.

/** A step definition with what running it needs (cucumber's API types the library as opaque). */
export interface RunnableStep extends StepDefinitionLike {
  code: (...args: unknown[]) => unknown;
  expression: {
    match(text: string): readonly { getValue(thisArg: unknown): unknown }[] | null;
  };
}

/** What a cucumber World is built from: how a step's attachments reach us, and the world parameters. */
export interface WorldOptions {
  attach: (data: unknown, options?: unknown) => void;
  log: (text: string) => void;
  link: (...urls: string[]) => void;
  parameters: Record<string, unknown>;
}

export interface StepLibrary {
  steps: RunnableStep[];
  World: new (options: WorldOptions) => unknown;
  /** The profile's worldParameters (backend, system), as a run's World gets them. */
  worldParameters: Record<string, unknown>;
}

export async function loadStepLibrary(cwd: string, profile?: string): Promise<StepLibrary> {
  const { runConfiguration } = await loadConfiguration({ profiles: profile ? [profile] : [] }, { cwd });
  const library = (await loadSupport(runConfiguration, { cwd })) as unknown as {
    stepDefinitions: RunnableStep[];
    World: StepLibrary['World'];
  };
  return {
    steps: library.stepDefinitions,
    World: library.World,
    worldParameters: { ...(runConfiguration.runtime.worldParameters ?? {}) },
  };
}

/** A step text matched to one definition, its arguments transformed for this world. */
export interface MatchedStep {
  /** The step's text as matched (without a keyword). */
  text: string;
  definition: RunnableStep;
  kind: StepKind | undefined;
  args: unknown[];
}

/** A pattern as a person reads it: "{…}" for what a regular expression captures, "[…]" for what is optional. */
export function readablePattern(pattern: string | RegExp): string {
  if (typeof pattern === 'string') return pattern;
  // The one network step reads every effect: its alternatives say more than any placeholder could.
  if (pattern.source === NETWORK_FAULT_STEP)
    return `{service or link} is ${EFFECT_WORDS.replace(/\.\+\?/g, '…')
      .split('|')
      .join(' / ')}[ for {duration}]`;
  let text = pattern.source.replace(/^\^/, '').replace(/\$$/, '');
  text = text.replace(/\(\?[!=][^)]*\)/g, '');
  // Innermost groups first, until none is left: an optional non-capturing group is "[…]", a capture "{…}".
  for (let before = ''; before !== text; ) {
    before = text;
    text = text
      .replace(/\(\?:([^()]*)\)\?/g, '[$1]')
      .replace(/\(\?:([^()]*)\)/g, (_, inner: string) => (inner.includes('|') ? `{${inner}}` : inner))
      .replace(/\(([^()?][^()]*)\)/g, (_, inner: string) =>
        /^[a-z |-]+$/i.test(inner) && inner.includes('|') ? `{${inner}}` : '{…}',
      );
  }
  return text.replace(/\\(.)/g, '$1').replace(/\s+/g, ' ');
}

const wordsOf = (text: string): string[] =>
  text
    .toLowerCase()
    .match(/[a-z]{3,}/g)
    ?.filter((w) => !['the', 'and', 'for', 'with'].includes(w)) ?? [];

/** "kill" meets "killed" and "kills": a word shares its first four letters with another's. */
const meets = (a: string, b: string) => a.slice(0, 4) === b.slice(0, 4);

/** Where a game day usually starts: shown first among steps that share nothing with a text. */
const COMMON = [
  /^\{service or link\} is /,
  /^the network between \[/,
  /killed with SIGKILL\[/,
  /paused/,
  /SIGTERM/,
];

/**
 * The fault steps closest to a text, by the words they share (a shared stem counts): what an unknown text
 * probably meant. Ties: the common faults first, then the vocabulary's own order.
 */
export function closeFaultSteps(steps: readonly RunnableStep[], text: string, limit = 5): string[] {
  const wanted = [...new Set(wordsOf(text))];
  return steps
    .filter((s) => VOCABULARY[patternKey(s.pattern)]?.kind === 'fault')
    .map((s, index) => {
      const readable = readablePattern(s.pattern);
      const words = wordsOf(readable);
      const shared = wanted.filter((w) => words.some((p) => meets(w, p))).length;
      const common = COMMON.findIndex((c) => c.test(readable));
      return {
        readable,
        index: common >= 0 ? common : COMMON.length + index,
        score: shared / (words.length + 2),
      };
    })
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, limit)
    .map((s) => s.readable);
}

/**
 * The fault step a text names. Refused (a StepInputError naming the text) when no definition matches, when
 * several do, when a parameter is malformed, or when the step is not a fault (a load, a verdict …).
 */
export function matchFault(
  steps: readonly RunnableStep[],
  rawText: string,
  world: unknown,
  /** What is not done when the text is refused: applied (a fault), undone (an undo by its text). */
  done = 'applied',
): MatchedStep {
  // Written as in a feature, or as a user types it: a leading keyword and quotes are not part of the step.
  const text = rawText.trim().replace(/^(?:When|And|But|Given|Then)\s+/, '');
  if (text === '')
    throw new StepInputError(
      `no fault text given: write a fault step of the features, e.g. faultline fault "redis is unreachable for 10 s"`,
    );
  const close = () => `; closest fault steps:\n  ${closeFaultSteps(steps, text).join('\n  ')}`;
  const match = matchStep(steps, text);
  if (match.state === 'undefined')
    throw new StepInputError(`'${text}' is not a step of the vocabulary: nothing was ${done}${close()}`);
  if (match.state === 'ambiguous')
    throw new StepInputError(
      `'${text}' matches several steps (${match.definitions.map((d) => `${d.uri}:${d.line}`).join(', ')}): nothing was ${done}`,
    );
  if (match.state === 'rejected')
    throw new StepInputError(`'${text}': ${match.message} (nothing was ${done})`);
  const definition = match.definition as RunnableStep;
  const kind = VOCABULARY[patternKey(definition.pattern)]?.kind;
  if (kind !== 'fault')
    throw new StepInputError(
      `'${text}' is ${kind ? `a ${kind} step` : `a step faultline's vocabulary does not know (${definition.uri}:${definition.line})`}, not a fault: nothing was ${done}${close()}`,
    );
  // Transformed again for this world: a parameter type may read it.
  const args = (definition.expression.match(text) ?? []).map((a) => a.getValue(world));
  return { text, definition, kind, args };
}

/** The steady-state step a text names (what `faultline up --given` brings up), else a StepInputError. */
export function matchSteadyState(
  steps: readonly RunnableStep[],
  rawText: string,
  world: unknown,
): MatchedStep {
  const text = rawText.trim().replace(/^(?:Given|And)\s+/, '');
  const match = matchStep(steps, text);
  const accepted = steps
    .filter((s) => VOCABULARY[patternKey(s.pattern)]?.kind === 'steady state')
    .map((s) => readablePattern(s.pattern))
    .join('; ');
  if (match.state === 'rejected') throw new StepInputError(`'${text}': ${match.message}`);
  const definition = match.state === 'matched' ? (match.definition as RunnableStep) : undefined;
  if (!definition || VOCABULARY[patternKey(definition.pattern)]?.kind !== 'steady state')
    throw new StepInputError(`'${text}' is not a steady-state step; accepted: ${accepted}`);
  const args = (definition.expression.match(text) ?? []).map((a) => a.getValue(world));
  return { text, definition, kind: 'steady state', args };
}
