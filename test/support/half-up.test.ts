import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { localBackend } from '../../support/env/local/backend.ts';
import { referenceSystem } from '../helpers/reference.ts';

/** Pids of this process's children (the services a backend started). */
function children(): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

test('a service that fails to start takes down what started beside it, even what was still starting', async () => {
  const before = new Set(children());
  const { topology } = await referenceSystem({ workers: 1 });
  // redis fails at once; postgres and the fault proxy, started in the same breath, are still starting.
  process.env.FAULTLINE_REDIS_SERVER = '/bin/false';
  try {
    await assert.rejects(localBackend.up(topology, { seed: 1 }), /redis exited before it was ready/);
  } finally {
    delete process.env.FAULTLINE_REDIS_SERVER;
  }
  // Whatever a failed start leaves would be a child of this process: give an exit a moment to be reaped.
  let left = children().filter((pid) => !before.has(pid));
  for (let i = 0; i < 40 && left.length > 0; i++) {
    await sleep(50);
    left = children().filter((pid) => !before.has(pid));
  }
  assert.deepEqual(left, [], 'no service outlives the failed start');
});
