// `faultline plan [features…]`: what a run would do — per scenario the system, abort conditions, load, and
// every fault with its targets, duration and blast radius — read from the features and the step
// definitions alone, with the step words checked against the selected system of faultline.config (built,
// never started). Nothing is started, no hook runs. Exit 1 when a step could not run (undefined,
// ambiguous, a malformed parameter, a service or group the system lacks, a count it cannot supply), each
// reported at its file:line, or when the config or its system does not load.

import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chaosMeshOf, writeChaosMesh } from '../../support/chaos-mesh/emit.ts';
import { kubernetesConfig } from '../../support/env/kubernetes/config.ts';
import { parseDuration } from '../../support/parse.ts';
import { featureFiles, parseFeatures } from '../../support/plan/features.ts';
import { planScenarios, type StepProblem } from '../../support/plan/plan.ts';
import { renderPlan } from '../../support/plan/render.ts';
import { loadStepDefinitions, profileSystem } from '../../support/plan/steps.ts';
import { type PlanSystem, planSystem } from '../../support/plan/system.ts';
import { findConfig, loadConfig } from '../../support/system/config.ts';

const help = `usage: faultline plan [--json] [--profile name] [--emit chaos-mesh DIR [--hold 30s]] [features or directories …]

  Lists per scenario the faults, their targets, durations and blast radius, the load and the abort
  conditions, without starting anything. Default: features/ (as cucumber-js). Every service or group a
  step names is checked against the system of faultline.config a run would select (FAULTLINE_CONFIG,
  FAULTLINE_SYSTEM, the profile's worldParameters.system), at the scenario's scale.

  --json     the plan as JSON on stdout
  --profile  the cucumber.js profile whose support code to load (default: the default profile)
  --emit chaos-mesh DIR
             also writes each scenario's faults as Chaos Mesh manifests and a Workflow (serial, each
             fault for its duration) under DIR/<scenario>/, placed by the kubernetes section of
             faultline.config; a fault with no Chaos Mesh equivalent is a problem at its file:line and
             its scenario is not written
  --hold     how long a workflow holds a fault its scenario holds until rollback (default 30s)
  exit code  0 when every step matches one definition with valid parameters and words the system has,
             1 otherwise, 2 on usage errors
`;

export const command = {
  async run(argv: string[]): Promise<number> {
    let parsed: ReturnType<typeof parse>;
    let emit: { dir: string; holdMs: number } | undefined;
    try {
      const split = emitOption(argv);
      parsed = parse(split.rest);
      if (split.dir !== undefined) emit = { dir: split.dir, holdMs: holdOf(parsed.values.hold) };
      else if (parsed.values.hold !== undefined) throw new Error('--hold goes with --emit chaos-mesh DIR');
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
    const written = emit ? await emitChaosMesh(cwd, emit, plan) : [];
    process.stdout.write(parsed.values.json ? `${JSON.stringify(plan, null, 2)}\n` : renderPlan(plan));
    if (emit && !parsed.values.json)
      process.stdout.write(
        `chaos-mesh: ${written.length} file(s) under ${emit.dir}${written.length > 0 ? `\n${written.map((f) => `  ${relative(cwd, f).startsWith('..') ? f : relative(cwd, f)}`).join('\n')}` : ''}\n`,
      );
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

/** Takes `--emit chaos-mesh DIR` out of the arguments (DIR would otherwise read as a feature path). */
function emitOption(argv: string[]): { rest: string[]; dir?: string } {
  const at = argv.indexOf('--emit');
  if (at === -1) return { rest: argv };
  const [engine, dir] = [argv[at + 1], argv[at + 2]];
  if (engine !== 'chaos-mesh')
    throw new Error(`--emit ${engine ?? ''}: the engine to emit for; accepted: --emit chaos-mesh DIR`);
  if (dir === undefined || dir.startsWith('-'))
    throw new Error('--emit chaos-mesh needs the directory to write into: --emit chaos-mesh DIR');
  return { rest: [...argv.slice(0, at), ...argv.slice(at + 3)], dir };
}

function holdOf(text: string | undefined): number {
  if (text === undefined) return 30_000;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new Error(`--hold ${text}: ${(error as Error).message}`);
  }
}

/** Translates the plan's faults and writes them; every fault that does not translate becomes a problem. */
async function emitChaosMesh(
  cwd: string,
  emit: { dir: string; holdMs: number },
  plan: Awaited<ReturnType<typeof planScenarios>>,
): Promise<string[]> {
  let file = process.env.FAULTLINE_CONFIG || 'faultline.config.ts';
  try {
    file = findConfig(cwd);
    const { config } = await loadConfig(file);
    const emission = chaosMeshOf(plan, kubernetesConfig(config.kubernetes, relative(cwd, file)), emit.holdMs);
    plan.problems.push(...emission.problems);
    return await writeChaosMesh(resolve(cwd, emit.dir), emission);
  } catch (error) {
    plan.problems.push({
      uri: relative(cwd, file) || file,
      line: 1,
      step: '',
      problem: 'system',
      message: `--emit chaos-mesh: ${(error as Error).message}`,
    });
    return [];
  }
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        profile: { type: 'string' },
        hold: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new Error(
      `${(error as Error).message}; accepted: --json, --profile <name>, --help, --emit chaos-mesh <dir>, --hold <duration>`,
    );
  }
}
