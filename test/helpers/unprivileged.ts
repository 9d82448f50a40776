import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The account tests drop to when they check what faultline does without root. */
export const NOBODY = '65534';

/**
 * Whether a test can run `file` as an unprivileged account: it runs as root, setpriv exists, and that account
 * can reach the file and the runner's Node — a fresh clone in a private directory (mktemp -d) it cannot.
 */
export function nobodyCanRun(file: string): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) return false;
  const reached = spawnSync(
    '/usr/bin/setpriv',
    [
      '--reuid',
      NOBODY,
      '--regid',
      NOBODY,
      '--clear-groups',
      process.execPath,
      '-e',
      `require('node:fs').accessSync(${JSON.stringify(file)})`,
    ],
    { stdio: 'ignore' },
  );
  return reached.status === 0;
}

export const UNREACHABLE =
  'needs root, setpriv, and a checkout and Node the unprivileged account can reach (not a private directory)';
