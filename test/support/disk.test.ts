import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sweepLocal } from '../../support/cleanup/leftovers.ts';
import { mountsUnder } from '../../support/cleanup/mounts.ts';
import { OWNER_VARIABLE } from '../../support/cleanup/owner.ts';
import { processStartTime } from '../../support/env/containers/runtime.ts';
import { makeDisk, usageOf } from '../../support/env/disk.ts';

// A service's data disk is a real tmpfs of the declared size in a temp dir of the run: filling it ends in
// ENOSPC at that size, and no removal — the teardown's, the next run's start sweep of a dead run's dir —
// leaves the filesystem mounted or fails on it.

const root = process.getuid?.() === 0;

describe('data disks', { skip: root ? false : 'mounting a tmpfs needs root' }, () => {
  test('a disk is a filesystem of the declared size, full at that size, unmounted with its dir', async () => {
    const disk = await makeDisk('store', 2_000_000);
    try {
      assert.equal(disk.unmounted, undefined);
      assert.deepEqual(mountsUnder(disk.path), [disk.path]);
      const { size } = usageOf(disk.path);
      // tmpfs rounds the size to whole pages.
      assert.ok(Math.abs(size - 2_000_000) < 4096, `size ${size}`);
      assert.throws(() => writeFileSync(join(disk.path, 'big'), Buffer.alloc(3_000_000)), /ENOSPC/);
      assert.ok(usageOf(disk.path).free < 4096, 'full');
    } finally {
      await disk.remove();
    }
    assert.deepEqual(mountsUnder(disk.path), []);
    assert.equal(existsSync(disk.path), false);
  });

  // In a parallel run every worker thread sweeps at once, and a sweep kills each process that carries the
  // run's owner marker: an `umount` that carried it was killed half-way by another worker's sweep (a fresh-clone
  // CI saw the data disk left mounted). The mount tools run without the marker; each one's environment is
  // recorded by a wrapper put first on PATH.
  test('mount and umount run without the run owner marker, so no parallel sweep kills them half-way', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'fl-mount-env-'));
    const saved = { path: process.env.PATH, owner: process.env[OWNER_VARIABLE] };
    try {
      for (const tool of ['mount', 'umount']) {
        writeFileSync(
          join(bin, tool),
          `#!/bin/sh
env > "${bin}/${tool}.env"
exec /usr/bin/${tool} "$@"
`,
        );
        chmodSync(join(bin, tool), 0o755);
      }
      process.env.PATH = `${bin}:${saved.path}`;
      process.env[OWNER_VARIABLE] = 'test-owner';
      const disk = await makeDisk('store', 1_000_000);
      assert.deepEqual(mountsUnder(disk.path), [disk.path]);
      await disk.remove();
      assert.deepEqual(mountsUnder(disk.path), []);
      for (const tool of ['mount', 'umount']) {
        const env = readFileSync(join(bin, `${tool}.env`), 'utf8');
        assert.ok(env.includes('PATH='), `${tool} ran through the wrapper`);
        assert.ok(!env.includes(`${OWNER_VARIABLE}=`), `${tool} carried the owner marker`);
      }
    } finally {
      process.env.PATH = saved.path;
      if (saved.owner === undefined) delete process.env[OWNER_VARIABLE];
      else process.env[OWNER_VARIABLE] = saved.owner;
      rmSync(bin, { recursive: true, force: true });
    }
  });

  test("the start sweep unmounts a dead run's disk before removing its dir", async () => {
    const child = spawn('true');
    await new Promise((r) => child.once('spawn', r));
    const pid = child.pid!;
    const startTime = processStartTime(pid) ?? '1';
    await new Promise((r) => child.once('exit', r));
    const sweepRoot = mkdtempSync(join(tmpdir(), 'disk-sweep-test-'));
    const dead = join(sweepRoot, `faultline-redis-disk-o${pid}t${startTime}-AbC123`);
    const data = join(dead, 'data');
    mkdirSync(data, { recursive: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'faultline-disk', data]);
    try {
      writeFileSync(join(data, 'appendonly.aof'), 'x');
      const swept = await sweepLocal(sweepRoot);
      assert.deepEqual(swept.dirs, [dead]);
      assert.deepEqual(mountsUnder(sweepRoot), [], 'the dead run’s disk was unmounted');
      assert.deepEqual(readdirSync(sweepRoot), []);
    } finally {
      for (const point of mountsUnder(sweepRoot)) execFileSync('umount', ['-l', point]);
      rmSync(sweepRoot, { recursive: true, force: true });
    }
  });
});

test('without root a disk is a plain directory that says why', {
  skip: root ? 'runs as root' : false,
}, async () => {
  const disk = await makeDisk('store', 2_000_000);
  try {
    assert.match(disk.unmounted ?? '', /needs root/);
  } finally {
    await disk.remove();
  }
});
