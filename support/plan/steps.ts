import { loadConfiguration, loadSupport } from '@cucumber/cucumber/api';

// The step definitions, loaded the way `cucumber-js` loads them: its own configuration (cucumber.js, the
// default profile) and its own support-code loader, so the plan matches steps exactly as a run would.
// Loading only imports modules: steps and hooks are registered, none is run, nothing is started.

/** What the plan needs of a cucumber step definition (the API types the library as opaque). */
export interface StepDefinitionLike {
  pattern: string | RegExp;
  uri: string;
  line: number;
  expression: { match(text: string): readonly { getValue(thisArg: unknown): unknown }[] | null };
}

export async function loadStepDefinitions(cwd: string, profile?: string): Promise<StepDefinitionLike[]> {
  const { runConfiguration } = await loadConfiguration({ profiles: profile ? [profile] : [] }, { cwd });
  const library = await loadSupport(runConfiguration, { cwd });
  return (library as unknown as { stepDefinitions: StepDefinitionLike[] }).stepDefinitions;
}

/** The system the profile selects (its worldParameters.system), as a run's World reads it. */
export async function profileSystem(cwd: string, profile?: string): Promise<string | undefined> {
  const { runConfiguration } = await loadConfiguration({ profiles: profile ? [profile] : [] }, { cwd });
  const chosen = runConfiguration.runtime.worldParameters?.system;
  return typeof chosen === 'string' ? chosen : undefined;
}

/** How the plan and the vocabulary name a step definition: its pattern as written. */
export const patternKey = (pattern: string | RegExp): string =>
  typeof pattern === 'string' ? pattern : pattern.source;

export type StepMatch =
  | { state: 'matched'; definition: StepDefinitionLike; args: unknown[] }
  | { state: 'undefined' }
  | { state: 'ambiguous'; definitions: StepDefinitionLike[] }
  /** It matched, but a parameter was rejected (a malformed duration …): the message says what is accepted. */
  | { state: 'rejected'; definition: StepDefinitionLike; message: string };

export function matchStep(definitions: readonly StepDefinitionLike[], text: string): StepMatch {
  const matching = definitions.filter((d) => d.expression.match(text) !== null);
  if (matching.length === 0) return { state: 'undefined' };
  if (matching.length > 1) return { state: 'ambiguous', definitions: matching };
  const definition = matching[0]!;
  try {
    // Parameter types transform here (e.g. {duration} parses "30 parsecs" and throws), as in a run.
    const args = (definition.expression.match(text) ?? []).map((a) => a.getValue(null));
    return { state: 'matched', definition, args };
  } catch (error) {
    return { state: 'rejected', definition, message: error instanceof Error ? error.message : String(error) };
  }
}
