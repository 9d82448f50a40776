// `faultline run [cucumber-js options]`: runs the features through cucumber's JavaScript API, exactly as
// `npx cucumber-js` with the same arguments would (the user's cucumber.js profiles, --tags, paths …), and
// exits with a code a CI gate can act on: 0 passed, 1 product defect, 2 invalid experiment, 3 infrastructure
// or configuration (support/run/verdict.ts). Cucumber's formatters own stdout; the summary goes to stderr.

import { parseRunArguments, RunUsageError } from '../../support/run/arguments.ts';
import { RunOutcomes } from '../../support/run/outcomes.ts';
import { EXIT, judgeRun } from '../../support/run/verdict.ts';

const help = `usage: faultline run [cucumber-js options] [features or directories …]

  Runs the features as \`npx cucumber-js\` would, with the same options (-p/--profile, -t/--tags, --name,
  -f/--format, --parallel, --retry, paths …; see \`npx cucumber-js --help\`), then prints one line per kind
  of failure with the scenarios in it and exits with a code for CI gates:

  0  every scenario passed
  1  product defect: a verdict broke (an SLO, recovery, consistency) or an abort condition tripped
  2  invalid experiment: a fault had no effect, or the rollback left the environment dirty
  3  infrastructure or configuration: a service would not start, no steady state, engine or port errors,
     bad options or configuration, undefined, ambiguous or malformed steps — nothing was tested

  When a run has several kinds, the lowest code wins: a product defect is a real finding.
`;

export const command = {
  async run(argv: string[]): Promise<number> {
    let args: ReturnType<typeof parseRunArguments>;
    try {
      args = parseRunArguments(argv);
    } catch (error) {
      if (!(error instanceof RunUsageError)) throw error;
      process.stderr.write(`faultline run: ${error.message}\n`);
      return EXIT.infrastructure;
    }
    if (args.help) {
      process.stdout.write(help);
      return EXIT.passed;
    }
    const outcomes = new RunOutcomes();
    let success: boolean;
    try {
      const { loadConfiguration, runCucumber } = await import('@cucumber/cucumber/api');
      const environment = {
        cwd: process.cwd(),
        stdout: process.stdout,
        stderr: process.stderr,
        env: process.env,
      };
      const { runConfiguration } = await loadConfiguration(
        { file: args.file, profiles: args.profiles, provided: args.provided },
        environment,
      );
      ({ success } = await runCucumber(runConfiguration, environment, outcomes.onMessage));
    } catch (error) {
      // Configuration that does not load, support code that throws on import, a formatter that cannot write:
      // the run never judged anything.
      // cucumber wraps what went wrong in cucumber.js (e.g. a bad FAULTLINE_WORKERS) as the cause.
      const cause = (error as Error).cause;
      const why = cause instanceof Error ? `: ${cause.message}` : '';
      process.stderr.write(
        `faultline run: the run could not start: ${(error as Error).message}${why}\n` +
          `exit ${EXIT.infrastructure} infrastructure or configuration problem (nothing was tested)\n`,
      );
      return EXIT.infrastructure;
    }
    const verdict = judgeRun(outcomes.failures, success);
    const lines =
      verdict.code === EXIT.passed
        ? [`exit 0: all ${outcomes.scenarios} scenario(s) passed`]
        : verdict.summary;
    process.stderr.write(`\nfaultline run:\n${lines.map((line) => `  ${line}`).join('\n')}\n`);
    return verdict.code;
  },
};
