// `faultline run`'s arguments are cucumber-js's own, so a command line moves between the two unchanged.
// They are checked here (node:util parseArgs, strict, against cucumber-js 13's options) so that a typo is a
// configuration error with our exit code — cucumber's own parser would print its error and exit 1, the
// code of a product defect. What cucumber's loadConfiguration takes apart (profiles and the configuration
// file) is taken out; everything else is handed over as the argv cucumber parses itself, so its semantics
// (repeatable --tags joined with "and", JSON merging of --world-parameters) stay its own.

import { parseArgs } from 'node:util';

/** cucumber-js 13's run options (`cucumber-js --help`), minus those that print something and exit. */
const CUCUMBER_OPTIONS = {
  backtrace: { type: 'boolean', short: 'b' },
  config: { type: 'string', short: 'c' },
  'dry-run': { type: 'boolean', short: 'd' },
  exit: { type: 'boolean' },
  'force-exit': { type: 'boolean' },
  'fail-fast': { type: 'boolean' },
  format: { type: 'string', short: 'f', multiple: true },
  'format-options': { type: 'string', multiple: true },
  import: { type: 'string', short: 'i', multiple: true },
  loader: { type: 'string', short: 'l', multiple: true },
  language: { type: 'string' },
  name: { type: 'string', multiple: true },
  order: { type: 'string' },
  profile: { type: 'string', short: 'p', multiple: true },
  parallel: { type: 'string' },
  plugin: { type: 'string', multiple: true },
  'plugin-options': { type: 'string', multiple: true },
  publish: { type: 'boolean' },
  require: { type: 'string', short: 'r', multiple: true },
  'require-module': { type: 'string', multiple: true },
  retry: { type: 'string' },
  'retry-tag-filter': { type: 'string', multiple: true },
  shard: { type: 'string' },
  strict: { type: 'boolean' },
  'no-strict': { type: 'boolean' },
  tags: { type: 'string', short: 't', multiple: true },
  'world-parameters': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export const ACCEPTED_OPTIONS = Object.keys(CUCUMBER_OPTIONS).map((name) => `--${name}`);

export interface RunArguments {
  help: boolean;
  /** For cucumber's loadConfiguration: the configuration file (default: cucumber.js etc.) … */
  file: string | undefined;
  /** … the profiles in it (default: the default profile) … */
  profiles: string[];
  /** … and the rest of the command line, as cucumber-js would read it. */
  provided: string[];
}

export class RunUsageError extends Error {}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: CUCUMBER_OPTIONS,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (error) {
    throw new RunUsageError(
      `${(error as Error).message}; accepted: cucumber-js's options (${ACCEPTED_OPTIONS.join(', ')}) and feature paths`,
    );
  }
}

export function parseRunArguments(argv: string[]): RunArguments {
  const parsed = parse(argv);
  const { values, tokens } = parsed;
  // Drop the tokens loadConfiguration takes as arguments of its own, keeping every other word as typed.
  const dropped = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option' || (token.name !== 'profile' && token.name !== 'config')) continue;
    dropped.add(token.index);
    if (token.inlineValue === false) dropped.add(token.index + 1);
  }
  return {
    help: values.help === true,
    file: values.config,
    profiles: values.profile ?? [],
    provided: argv.filter((_, index) => !dropped.has(index)),
  };
}
