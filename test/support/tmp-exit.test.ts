import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { removeDir } from '../../support/cleanup/residue.ts';

// The race behind a `faultline-system-*` dir outliving an interrupted run (seen in fresh-clone CI), made
// deterministic. Node's process.exit runs the 'exit' handlers, then drains libuv's thread pool: filesystem
// work still queued there runs *after* the last JavaScript that could remove what it creates. On a loaded
// machine the pool is slow to pick work up, so an interrupt whose teardown is quick (nothing up yet) exits
// with a temp dir's creation still queued. Here the pool has one thread, kept busy by a key derivation, so
// the queued work certainly runs after the exit handlers — as it did by chance in CI.

const work = mkdtempSync(join(tmpdir(), 'tmp-exit-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

const module = (path: string) => pathToFileURL(join(import.meta.dirname, '../../support', path)).href;

/** Runs `body` in a fresh Node process with its own TMPDIR and a busy one-thread pool; what it left there. */
function leftAfter(name: string, body: string): string[] {
  const root = join(work, name);
  const script = `
    import { pbkdf2 } from 'node:crypto';
    import { makeTempDir } from '${module('cleanup/tmp.ts')}';
    const busy = () => pbkdf2('x', 'y', 2_000_000, 32, 'sha256', () => {});
    ${body}
  `;
  mkdirSync(root);
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TMPDIR: root, UV_THREADPOOL_SIZE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(result.status, 130, `the child did not exit as an interrupted run does:\n${result.stderr}`);
  return readdirSync(root);
}

test('an exit while a temp dir is being made leaves no temp dir', () => {
  // The step calls makeTempDir while the pool is busy; the interrupt's exit comes before the pool is free.
  const left = leftAfter('making', `busy(); void makeTempDir('system').catch(() => {}); process.exit(130);`);
  assert.deepEqual(left, [], 'the temp dir was created after the exit handlers removed what they knew');
});

test('a removal that an earlier attempt left half-way (renamed, not yet removed) is finished', () => {
  const root = join(work, 'half-way');
  mkdirSync(root);
  const path = join(root, 'faultline-postgres-o1t2-AbCdEf');
  // The rename of the earlier attempt went through; its removal failed (a process was still writing).
  mkdirSync(join(root, 'faultline-removing-postgres-o1t2-AbCdEf', 'data'), { recursive: true });
  removeDir(path);
  assert.deepEqual(readdirSync(root), []);
});

test('a removal racing another removal in the same tree still removes all of it', async () => {
  // Node's rmSync takes an ENOENT met half-way (an entry someone else removed meanwhile) for success and
  // returns with the rest of the tree still there: measured 20 of 20 with a concurrent rm -rf.
  for (let trial = 0; trial < 3; trial++) {
    const root = join(work, `racing-${trial}`);
    const path = join(root, 'faultline-postgres-o1t2-AbCdEf');
    const doomed = join(root, 'faultline-removing-postgres-o1t2-AbCdEf');
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(doomed, `d${d}`), { recursive: true });
      for (let f = 0; f < 200; f++) writeFileSync(join(doomed, `d${d}`, `f${f}`), 'x');
    }
    const other = spawn('rm', ['-rf', ...Array.from({ length: 20 }, (_, d) => join(doomed, `d${d}`))]);
    await new Promise((r) => setTimeout(r, 2));
    removeDir(path);
    assert.deepEqual(readdirSync(root), [], `trial ${trial}: the tree outlived its removal`);
    await new Promise((r) => other.once('exit', r));
  }
});
