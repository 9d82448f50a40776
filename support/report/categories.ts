// Allure categories (Allure 3 `categories` rules, first match wins): a failing scenario is either a product
// defect — the system broke an SLO or a verdict under the fault, tripped an abort condition, or one of its
// services exited during the experiment when no fault of ours killed it — or a
// problem of the experiment itself: infrastructure that would not start, a fault that had no effect (the
// experiment proved nothing: a probe saw no effect, or no traffic of the system crossed the faulted link while
// it held, or the fault proxy could not count that traffic — support/faults/network/traffic.ts), a rollback that left the environment dirty, or a broken step. Verdicts fail
// with an assertion (Allure status "failed"); everything else is thrown as an error (status "broken").
// Patterns are regular expressions as strings, matched against the failure message.

export type CategoryId =
  | 'product-defect'
  | 'fault-without-effect'
  | 'unknown-verdict'
  | 'dirty-rollback'
  | 'infrastructure'
  | 'test-defect';

/** The two Allure statuses of a failure: an assertion ("failed") or any other error ("broken"). */
export type FailureStatus = 'failed' | 'broken';

export interface CategoryRule {
  id: CategoryId;
  name: string;
  matchers: { statuses?: string[]; message?: string }[];
}

export const CATEGORIES: CategoryRule[] = [
  {
    id: 'product-defect',
    name: 'Product defects: an SLO or verdict broken under the fault',
    matchers: [
      { statuses: ['failed'] },
      { statuses: ['failed', 'broken'], message: '^ABORTED' },
      // A service of the topology that died on its own (support/faults/clean.ts): the system broke.
      { statuses: ['failed', 'broken'], message: 'exited during the experiment' },
    ],
  },
  {
    // Before the rest: an unknown verdict is thrown as an error (Allure "broken"), and its message may quote
    // words the infrastructure rule looks for (a probe's timeout).
    id: 'unknown-verdict',
    name: 'Unknown verdicts: the evidence could not decide (no reply, no series, too few samples)',
    matchers: [{ statuses: ['failed', 'broken'], message: '^UNKNOWN ' }],
  },
  {
    id: 'fault-without-effect',
    name: 'Invalid experiment: the fault had no effect',
    matchers: [
      { statuses: ['failed', 'broken'], message: 'had no effect|did not take effect|still answers' },
    ],
  },
  {
    id: 'dirty-rollback',
    name: 'Rollback problems: the environment was left dirty',
    matchers: [
      { statuses: ['failed', 'broken'], message: 'rollback left the environment dirty|undo failed' },
    ],
  },
  {
    id: 'infrastructure',
    name: 'Infrastructure problems: a service or the environment would not start',
    matchers: [
      {
        statuses: ['broken'],
        message:
          'did not start|exited before it was ready|steady state|not ready|no free port|could not be pulled|image|Docker|engine|initdb|ECONNREFUSED|EADDRINUSE|ENOENT|spawn|timed out|timeout',
      },
    ],
  },
  {
    id: 'test-defect',
    name: 'Test problems: a step or the suite itself is broken',
    matchers: [{ statuses: ['broken'] }],
  },
];

/**
 * The category of one failure, by the rules above with Allure's semantics (first rule with a matching
 * matcher wins; a matcher's statuses must include the status and its message pattern must be found in the
 * message), so a run's exit code (`faultline run`) and the report's categories never disagree.
 */
export function categoryOf(status: FailureStatus, message: string): CategoryRule | undefined {
  return CATEGORIES.find((rule) =>
    rule.matchers.some(
      (matcher) =>
        (matcher.statuses === undefined || matcher.statuses.includes(status)) &&
        (matcher.message === undefined || new RegExp(matcher.message).test(message)),
    ),
  );
}
