import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { sweepLocal } from '../../support/cleanup/leftovers.ts';
import { mountsUnder } from '../../support/cleanup/mounts.ts';
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
