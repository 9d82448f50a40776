// Allure categories (Allure 3 `categories` rules, first match wins): a failing scenario is either a product
// defect — the system broke an SLO or a verdict under the fault, or tripped an abort condition — or a
// problem of the experiment itself: infrastructure that would not start, a fault that had no effect (the
// experiment proved nothing: a probe saw no effect, or no traffic of the system crossed the faulted link while
// it held, or the fault proxy could not count that traffic — support/faults/network/traffic.ts), a rollback that left the environment dirty, or a broken step. Verdicts fail
// with an assertion (Allure status "failed"); everything else is thrown as an error (status "broken").
// Patterns are regular expressions as strings, matched against the failure message.

export interface CategoryRule {
  id: string;
  name: string;
  matchers: { statuses?: string[]; message?: string }[];
}

export const CATEGORIES: CategoryRule[] = [
  {
    id: 'product-defect',
    name: 'Product defects: an SLO or verdict broken under the fault',
    matchers: [{ statuses: ['failed'] }, { statuses: ['failed', 'broken'], message: '^ABORTED' }],
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
