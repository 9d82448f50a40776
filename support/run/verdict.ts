// The exit code of a run, for CI gates (as k6 answers 99 for a breached threshold): one code per kind of
// outcome a pipeline acts on differently. A product defect is a finding about the system and wins over
// everything else; an experiment that proved nothing (the fault had no effect) or left a dirty environment
// comes next, since the run's conclusions cannot be trusted; infrastructure and configuration problems
// (nothing was tested) come last. The lowest non-zero code of all failures is the run's.

import type { Failure, FailureKind } from './outcomes.ts';

export const EXIT = {
  passed: 0,
  productDefect: 1,
  invalidExperiment: 2,
  infrastructure: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface Group {
  code: Exclude<ExitCode, 0>;
  title: string;
}

const GROUPS = {
  productDefect: { code: EXIT.productDefect, title: 'product defect (a verdict broke or an abort tripped)' },
  invalidExperiment: {
    code: EXIT.invalidExperiment,
    title:
      'invalid experiment (a fault had no effect, a verdict could not be decided, or the rollback left the environment dirty)',
  },
  infrastructure: {
    code: EXIT.infrastructure,
    title: 'infrastructure or configuration problem (nothing was tested)',
  },
} as const satisfies Record<string, Group>;

/** Every kind of failure has a group: adding a report category without deciding its exit code fails to compile. */
const GROUP_OF: Record<FailureKind, Group> = {
  'product-defect': GROUPS.productDefect,
  'fault-without-effect': GROUPS.invalidExperiment,
  // Unknown never counts as a pass, nor as a finding about the system: the experiment proved nothing.
  'unknown-verdict': GROUPS.invalidExperiment,
  'dirty-rollback': GROUPS.invalidExperiment,
  infrastructure: GROUPS.infrastructure,
  'test-defect': GROUPS.infrastructure,
  'unrunnable-step': GROUPS.infrastructure,
  'run-setup': GROUPS.infrastructure,
};

const KIND_LABEL: Record<FailureKind, string> = {
  'product-defect': 'product defect',
  'fault-without-effect': 'fault without effect',
  'unknown-verdict': 'unknown verdict',
  'dirty-rollback': 'dirty rollback',
  infrastructure: 'infrastructure',
  'test-defect': 'broken step',
  'unrunnable-step': 'undefined, ambiguous or pending step',
  'run-setup': 'configuration',
};

export interface RunVerdict {
  code: ExitCode;
  /** One line per group that has failures, lowest code first: what a CI log shows at the end. */
  summary: string[];
}

/**
 * The run's exit code and summary. `cucumberSucceeded` is cucumber's own judgement: a run it calls failed
 * without any failure we can name (a formatter that could not write, say) is still not a pass.
 */
export function judgeRun(failures: readonly Failure[], cucumberSucceeded: boolean): RunVerdict {
  const groups = Object.values(GROUPS).map((group) => ({
    group,
    failures: failures.filter((f) => GROUP_OF[f.kind] === group),
  }));
  const summary = groups
    .filter((g) => g.failures.length > 0)
    .map(({ group, failures: inGroup }) => {
      const names = [...new Set(inGroup.map((f) => `"${f.scenario}" (${f.where}: ${KIND_LABEL[f.kind]})`))];
      return `exit ${group.code} ${group.title}: ${names.join('; ')}`;
    });
  const worst = groups.find((g) => g.failures.length > 0)?.group.code;
  if (worst !== undefined) return { code: worst, summary };
  if (!cucumberSucceeded)
    return {
      code: EXIT.infrastructure,
      summary: [
        `exit ${EXIT.infrastructure} ${GROUPS.infrastructure.title}: cucumber reported the run failed without a failing step (see its output above)`,
      ],
    };
  return { code: EXIT.passed, summary: [] };
}
