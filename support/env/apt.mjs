// Installing the machine's prerequisites with apt-get (Debian, Ubuntu), for `faultline install --with-deps`
// and `npm run setup`. Only ever what is missing, so running it again changes nothing; without root (or
// without apt-get) nothing is run and the caller prints aptCommand() for the user to run.
//
// Plain JavaScript on purpose: scripts/setup.mjs imports it on whatever Node the machine has. Types: apt.d.mts.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const APT_GET = '/usr/bin/apt-get';

/** Whether this process may install packages itself: root, on a machine with apt-get. */
export function canInstallWithApt() {
  return process.getuid?.() === 0 && existsSync(APT_GET);
}

/**
 * The command a user runs to install the packages themselves. Recommended packages are left out unless
 * asked for (a server needs none; chromium needs its fonts).
 */
export function aptCommand(packages, { recommends = false } = {}) {
  return `sudo apt-get install -y ${recommends ? '' : '--no-install-recommends '}${packages.join(' ')}`;
}

let updated = false;

/** apt-get install, after one `apt-get update` per process; output goes to the terminal. Throws on failure. */
export function aptInstall(packages, { recommends = false } = {}) {
  if (packages.length === 0) return;
  if (!canInstallWithApt())
    throw new Error(
      `cannot install ${packages.join(' ')}: ${existsSync(APT_GET) ? 'not root' : 'no apt-get on this machine'}; run: ${aptCommand(packages, { recommends })}`,
    );
  const options = { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (!updated) {
    execFileSync(APT_GET, ['update', '-qq'], options);
    updated = true;
  }
  execFileSync(
    APT_GET,
    ['install', '-y', '-qq', ...(recommends ? [] : ['--no-install-recommends']), ...packages],
    options,
  );
}
