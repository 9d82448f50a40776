// What went wrong in a cucumber run, scenario by scenario, in the report's own categories: the Cucumber
// messages of the run are read as they arrive, each failed step (or hook) is given the status Allure gives
// it (an assertion is "failed", any other error "broken" — the same function allure-cucumberjs calls) and
// then the category the report would file it under (support/report/categories.ts). Steps cucumber could not
// run at all (undefined, ambiguous, pending) and problems outside any scenario (a feature that does not
// parse, a hook around the whole run) get kinds of their own, since the report has no category for them.

import { stripVTControlCharacters } from 'node:util';
import type { Envelope, TestStepResult } from '@cucumber/messages';
import { getStatusFromError } from 'allure-js-commons/sdk';
import { type CategoryId, categoryOf, type FailureStatus } from '../report/categories.ts';

/** A report category, or a step cucumber could not run, or a problem outside any scenario. */
export type FailureKind = CategoryId | 'unrunnable-step' | 'run-setup';

export interface Failure {
  kind: FailureKind;
  /** The scenario's name, or what failed outside one (a feature file, a run hook). */
  scenario: string;
  /** feature:line of the scenario, or the file that failed to parse. */
  where: string;
  /** The first line of the failure, as the report shows it. */
  message: string;
}

interface Started {
  testCaseId: string;
  failures: Failure[];
}

/** Feed every message of the run to `onMessage`; read `failures` when it is done. */
export class RunOutcomes {
  private readonly pickles = new Map<string, { name: string; where: string }>();
  private readonly testCases = new Map<string, { pickleId: string; hookSteps: Set<string> }>();
  private readonly started = new Map<string, Started>();
  private readonly settled: Failure[] = [];
  private scenarioCount = 0;

  readonly onMessage = (envelope: Envelope): void => {
    const { pickle, testCase, testCaseStarted, testStepFinished, testCaseFinished } = envelope;
    if (pickle)
      this.pickles.set(pickle.id, {
        name: pickle.name,
        where: `${pickle.uri}${pickle.location ? `:${pickle.location.line}` : ''}`,
      });
    else if (testCase)
      this.testCases.set(testCase.id, {
        pickleId: testCase.pickleId,
        hookSteps: new Set(testCase.testSteps.filter((s) => s.hookId !== undefined).map((s) => s.id)),
      });
    else if (testCaseStarted)
      this.started.set(testCaseStarted.id, { testCaseId: testCaseStarted.testCaseId, failures: [] });
    else if (testStepFinished) {
      const started = this.started.get(testStepFinished.testCaseStartedId);
      const scenario = started && this.scenarioOf(started.testCaseId);
      const kind = started && kindOf(testStepFinished.testStepResult);
      if (started && scenario && kind)
        started.failures.push({ kind, ...scenario, message: messageOf(testStepFinished.testStepResult) });
    } else if (testCaseFinished) {
      const started = this.started.get(testCaseFinished.testCaseStartedId);
      this.started.delete(testCaseFinished.testCaseStartedId);
      // A retried attempt is judged by its last try only, as cucumber judges the run.
      if (started && !testCaseFinished.willBeRetried) {
        this.scenarioCount += 1;
        this.settled.push(...started.failures);
      }
    } else if (envelope.parseError) {
      const { source, message } = envelope.parseError;
      this.settled.push({
        kind: 'run-setup',
        scenario: 'feature file does not parse',
        where: `${source.uri ?? '?'}${source.location ? `:${source.location.line}` : ''}`,
        message: firstLine(message),
      });
    } else if (envelope.undefinedParameterType) {
      const { name, expression } = envelope.undefinedParameterType;
      this.settled.push({
        kind: 'run-setup',
        scenario: `undefined parameter type {${name}}`,
        where: `step definition "${expression}"`,
        message: `no parameter type named "${name}" is defined`,
      });
    } else if (envelope.testRunHookFinished) {
      const kind = kindOf(envelope.testRunHookFinished.result);
      if (kind)
        this.settled.push({
          kind,
          scenario: 'BeforeAll/AfterAll hook',
          where: 'support code',
          message: messageOf(envelope.testRunHookFinished.result),
        });
    }
  };

  /** Every failure of the run, in the order the scenarios finished. */
  get failures(): readonly Failure[] {
    return this.settled;
  }

  /** How many scenarios ran to their last attempt. */
  get scenarios(): number {
    return this.scenarioCount;
  }

  private scenarioOf(testCaseId: string): { scenario: string; where: string } | undefined {
    const testCase = this.testCases.get(testCaseId);
    const pickle = testCase && this.pickles.get(testCase.pickleId);
    return pickle && { scenario: pickle.name, where: pickle.where };
  }
}

/** The kind of a step's result, or undefined when it did not fail (passed, skipped after a failure). */
export function kindOf(result: TestStepResult): FailureKind | undefined {
  switch (result.status) {
    case 'PASSED':
    case 'SKIPPED':
      return undefined;
    case 'FAILED': {
      const status = failureStatus(result);
      return categoryOf(status, messageOf(result, false))?.id ?? 'test-defect';
    }
    default:
      // UNDEFINED, AMBIGUOUS, PENDING, UNKNOWN: the step could not run as written.
      return 'unrunnable-step';
  }
}

/** Allure's status for a failed step, from the same fields allure-cucumberjs hands to the same function. */
function failureStatus(result: TestStepResult): FailureStatus {
  if (!result.exception) return 'failed';
  const status = getStatusFromError({
    message: result.message ?? result.exception.message,
    stack: result.exception.stackTrace,
    name: result.exception.type,
  });
  return status === 'failed' ? 'failed' : 'broken';
}

function messageOf(result: TestStepResult, short = true): string {
  const text = stripVTControlCharacters(result.message ?? result.exception?.message ?? '');
  if (text === '') {
    if (result.status === 'UNDEFINED') return 'the step matches no step definition';
    if (result.status === 'AMBIGUOUS') return 'the step matches more than one step definition';
    if (result.status === 'PENDING') return 'the step is pending (not implemented yet)';
    return result.status.toLowerCase();
  }
  return short ? firstLine(text) : text;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
