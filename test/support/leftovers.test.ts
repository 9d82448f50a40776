import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepLocal } from '../../support/cleanup/leftovers.ts';
import { OWNER_VARIABLE } from '../../support/cleanup/owner.ts';
import { makeTempDir, ownerOfTempDir } from '../../support/cleanup/tmp.ts';
import { formatOwner, processStartTime, self } from '../../support/env/containers/runtime.ts';

// Real processes and directories: a "run" that is really dead (a process we started and killed), its
// leftovers, and the leftovers of a run that is alive (this test process). Only the dead run's go.

async function deadOwner(): Promise<{ pid: number; startTime: string }> {
  const child = spawn('sleep', ['30']);
  await new Promise((r) => child.once('spawn', r));
  const pid = child.pid!;
  const startTime = processStartTime(pid)!;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return { pid, startTime };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function leftoverProcess(owner: string, cwd?: string) {
  // Like redis-server, which overwrites its environment with its title: only its working dir tells.
  const env: NodeJS.ProcessEnv = cwd ? { ...process.env } : { ...process.env, [OWNER_VARIABLE]: owner };
  const child = spawn('sleep', ['60'], { env, cwd, stdio: 'ignore' });
  child.unref();
  return child;
}

test('temp dir names carry their creator, so ownership survives a SIGKILL of it', async () => {
  const dir = await makeTempDir('system');
  try {
    const name = dir.path.split('/').pop()!;
    assert.deepEqual(ownerOfTempDir(name), { pid: process.pid, startTime: processStartTime(process.pid) });
    assert.equal(ownerOfTempDir('faultline-interrupt-AbC123'), undefined, 'an unmarked dir has no owner');
  } finally {
    await dir.remove();
  }
});

test('the start sweep removes processes and temp dirs of a dead run, and nothing of a live one', async () => {
  const dead = await deadOwner();
  const orphan = leftoverProcess(formatOwner({ ...self, pid: dead.pid, startTime: dead.startTime }));
  // A recycled pid: same number as a live process, another start time — that owner is gone too.
  const recycled = leftoverProcess(formatOwner({ ...self, startTime: `${self.startTime}0` }));
  const ours = leftoverProcess(formatOwner(self));
  const root = mkdtempSync(join(tmpdir(), 'leftovers-test-'));
  const deadDir = join(root, `faultline-postgres-o${dead.pid}t${dead.startTime}-AbC123`);
  const liveDir = join(root, `faultline-system-o${process.pid}t${self.startTime}-XyZ789`);
  const unmarked = join(root, 'faultline-mtls-QwE456');
  for (const dir of [deadDir, liveDir, unmarked]) mkdirSync(join(dir, 'data'), { recursive: true });
  const inDeadDir = leftoverProcess('', join(deadDir, 'data'));
  const inLiveDir = leftoverProcess('', join(liveDir, 'data'));
  try {
    await new Promise((r) => setTimeout(r, 100)); // the sleeps have exec'd with their environment
    const swept = await sweepLocal(root);
    assert.ok(!alive(orphan.pid!), 'the dead run’s process was killed');
    assert.ok(!alive(recycled.pid!), 'a process of an owner whose pid was recycled was killed');
    assert.ok(!alive(inDeadDir.pid!), 'a process working in the dead run’s temp dir was killed');
    assert.ok(alive(ours.pid!), 'a live run’s process is never touched');
    assert.ok(alive(inLiveDir.pid!), 'a process working in a live run’s temp dir is never touched');
    assert.ok(
      swept.processes.some((p) => p.startsWith(`${orphan.pid} sleep 60`)),
      swept.processes.join('\n'),
    );
    assert.deepEqual(swept.dirs, [deadDir]);
    assert.deepEqual(readdirSync(root).sort(), [liveDir, unmarked].map((d) => d.split('/').pop()).sort());
    assert.ok(existsSync(join(liveDir, 'data')));
  } finally {
    for (const child of [orphan, recycled, ours, inDeadDir, inLiveDir]) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  }
});
