// `faultline plan [features…]`: what a run would do — per scenario the system, abort conditions, load, and
// every fault with its targets, duration and blast radius — read from the features and the step
// definitions alone, with the step words checked against the selected system of faultline.config (built,
// never started). Nothing is started, no hook runs. Exit 1 when a step could not run (undefined,
// ambiguous, a malformed parameter, a service or group the system lacks, a count it cannot supply), each
// reported at its file:line, or when the config or its system does not load.

import { parseArgs } from 'node:util';
import { featureFiles, parseFeatures } from '../../support/plan/features.ts';
import { planScenarios, type StepProblem } from '../../support/plan/plan.ts';
import { renderPlan } from '../../support/plan/render.ts';
import { loadStepDefinitions, profileSystem } from '../../support/plan/steps.ts';
import { type PlanSystem, planSystem } from '../../support/plan/system.ts';

const help = `usage: faultline plan [--json] [--profile name] [features or directories …]

  Lists per scenario the faults, their targets, durations and blast radius, the load and the abort
  conditions, without starting anything. Default: features/ (as cucumber-js). Every service or group a
  step names is checked against the system of faultline.config a run would select (FAULTLINE_CONFIG,
  FAULTLINE_SYSTEM, the profile's worldParameters.system), at the scenario's scale.

  --json     the plan as JSON on stdout
  --profile  the cucumber.js profile whose support code to load (default: the default profile)
  exit code  0 when every step matches one definition with valid parameters and words the system has,
             1 otherwise, 2 on usage errors
`;

export const command = {
  async run(argv: string[]): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      process.stderr.write(`faultline plan: ${(error as Error).message}\n\n${help}`);
      return 2;
    }
    if (parsed.values.help) {
      process.stdout.write(help);
      return 0;
    }
    const cwd = process.cwd();
    let files: string[];
    try {
      files = await featureFiles(parsed.positionals, cwd);
    } catch (error) {
      process.stderr.write(`faultline plan: ${(error as Error).message}\n`);
      return 2;
    }
    const [features, definitions] = await Promise.all([
      parseFeatures(files, cwd),
      loadStepDefinitions(cwd, parsed.values.profile),
    ]);
    const loaded = await selectedSystem(cwd, parsed.values.profile);
    const plan = await planScenarios(features.scenarios, definitions, features.problems, loaded.system);
    if (loaded.problem) plan.problems.unshift(loaded.problem);
    process.stdout.write(parsed.values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    return plan.problems.length > 0 ? 1 : 0;
  },
};

/** The system a run would target, or the reason there is none as a problem at the config file. */
async function selectedSystem(
  cwd: string,
  profile: string | undefined,
): Promise<{ system?: PlanSystem; problem?: StepProblem }> {
  try {
    return { system: await planSystem(cwd, await profileSystem(cwd, profile)) };
  } catch (error) {
    const file = process.env.FAULTLINE_CONFIG || 'faultline.config.ts';
    return {
      problem: { uri: file, line: 1, step: '', problem: 'system', message: (error as Error).message },
    };
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        profile: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new Error(`${(error as Error).message}; accepted: --json, --profile <name>, --help`);
  }
}
