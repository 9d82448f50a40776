import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resourceAccessMissing } from '../../support/faults/resource/cgroup.ts';
import { NOBODY, nobodyCanRun, UNREACHABLE } from '../helpers/unprivileged.ts';

// Without root a resource fault cannot make or change cgroups, nor lower a process's limits: the step says
// what it needs and how to get it, naming itself — checked as a real unprivileged account.

const BOUNDS = fileURLToPath(new URL('../../support/faults/resource/cgroup.ts', import.meta.url));

test('without root, a resource step names what it needs', {
  skip: nobodyCanRun(BOUNDS) ? false : UNREACHABLE,
}, () => {
  const run = spawnSync(
    '/usr/bin/setpriv',
    [
      '--reuid',
      NOBODY,
      '--regid',
      NOBODY,
      '--clear-groups',
      process.execPath,
      '--input-type=module',
      '-e',
      `const { resourceAccessMissing } = await import(${JSON.stringify(BOUNDS)}); console.log(resourceAccessMissing('a CPU quota'));`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    /^a CPU quota needs root on this machine: it creates cgroup v1 groups under \/sys\/fs\/cgroup\/<controller>, moves the service's processes into them and changes their limits \(prlimit\), which only root may do\. Run faultline as root/,
  );
  // As root (this test's own account) nothing is missing.
  assert.equal(resourceAccessMissing('a CPU quota'), undefined);
});
