import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT } from '../features/cucumber-run.ts';

// The real Chaos Toolkit for the interop tests: its source is vendored outside the repository (no Python
// registry is reachable here; ../shared/vendor/chaostoolkit beside the checkout, or FAULTLINE_CHAOSTOOLKIT),
// run with Debian's own Python and the Debian packages `npm run setup` installs — never a pyenv shim, whose
// Python lacks them.

export const PYTHON = '/usr/bin/python3';

/** Where the vendored Chaos Toolkit is, or an Error saying every place looked at. */
export function findChaosToolkit(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [
    ...(env.FAULTLINE_CHAOSTOOLKIT ? [resolve(env.FAULTLINE_CHAOSTOOLKIT)] : []),
    resolve(ROOT, '..', 'shared', 'vendor', 'chaostoolkit'),
    '/work/shared/vendor/chaostoolkit',
  ];
  const found = candidates.find((dir) => existsSync(join(dir, 'chaostoolkit', 'cli.py')));
  if (found) return found;
  throw new Error(
    `the vendored Chaos Toolkit was not found: looked for chaostoolkit/cli.py in ${candidates.join(', ')}; set FAULTLINE_CHAOSTOOLKIT to the folder holding chaostoolkit/, chaoslib/ and chaostoxi/`,
  );
}

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Debian's Python with the vendored Chaos Toolkit on its path. */
export function python(
  vendor: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PythonRun> {
  return new Promise((done) => {
    execFile(
      PYTHON,
      args,
      {
        cwd: opts.cwd,
        env: { ...process.env, ...opts.env, PYTHONPATH: vendor, PYTHONDONTWRITEBYTECODE: '1' },
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The Debian packages Chaos Toolkit's Python needs (what setup installs), when one is missing. */
export async function missingPythonModules(vendor: string): Promise<string | undefined> {
  if (!existsSync(PYTHON)) return `${PYTHON} does not exist: install Debian's python3`;
  const check = await python(vendor, [
    '-c',
    'import click, click_plugins, pythonjsonlogger, charset_normalizer, requests, yaml, importlib_metadata, logzero',
  ]);
  return check.code === 0
    ? undefined
    : `Debian's Python lacks Chaos Toolkit's dependencies (${check.stderr.trim().split('\n').at(-1)}): npm run setup installs them as root (apt-get install python3-click python3-click-plugins python3-pythonjsonlogger python3-charset-normalizer python3-requests python3-yaml python3-importlib-metadata python3-logzero)`;
}

/**
 * `chaos validate` on every file in one Python process (one per file would cost a second of start-up
 * each): the CLI's own command, as a user runs it, file after file.
 */
export const VALIDATE_ALL = `
import sys
from chaostoolkit.cli import cli
failed = 0
for path in sys.argv[1:]:
    try:
        code = cli.main(["--no-log-file", "--settings", "/dev/null", "validate", path], standalone_mode=False)
    except SystemExit as e:
        code = e.code
    bad = isinstance(code, int) and code != 0
    print(("INVALID " if bad else "VALID ") + path, flush=True)
    failed += 1 if bad else 0
sys.exit(1 if failed else 0)
`;

export const CHAOS = 'from chaostoolkit.cli import cli; cli()';
