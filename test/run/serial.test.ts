import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { portRange } from '../../support/env/ports.ts';
import { canAssign, isSerial, serialLast } from '../../support/run/serial.ts';
import { parallelWorkers } from '../../support/run/workers.ts';
import { ROOT } from '../features/cucumber-run.ts';

// Parallel runs: how many workers, which scenario may start beside which, the order that keeps a worker
// from idling, the port slices of the workers — and a real parallel cucumber run in which the @serial
// scenarios overlap nothing while the others do overlap.

const tags = (...names: string[]) => ({ tags: names.map((name) => ({ name, astNodeId: '' })) });
const plain = tags('@network');
const serial = tags('@load', '@serial');

test('a @serial scenario starts only when nothing runs; nothing starts beside a @serial one', () => {
  assert.equal(isSerial(serial), true);
  assert.equal(isSerial(plain), false);
  assert.equal(canAssign(serial, []), true);
  assert.equal(canAssign(serial, [plain]), false);
  assert.equal(canAssign(plain, [plain]), true);
  assert.equal(canAssign(plain, [serial]), false);
  assert.equal(canAssign(plain, []), true);
});

test('@serial scenarios queue after the others, each part in its own order', () => {
  const queue = ['s1', 'p1', 'p2', 's2', 'p3'].map((id) => ({
    id,
    pickle: id.startsWith('s') ? serial : plain,
  }));
  assert.deepEqual(
    serialLast(queue).map((p) => p.id),
    ['p1', 'p2', 'p3', 's1', 's2'],
  );
});

test('one worker per core, FAULTLINE_WORKERS overrides, one worker runs in-process', () => {
  assert.equal(parallelWorkers({}, 2), 2);
  assert.equal(parallelWorkers({}, 1), 0);
  assert.equal(parallelWorkers({ FAULTLINE_WORKERS: '3' }, 2), 3);
  assert.equal(parallelWorkers({ FAULTLINE_WORKERS: '1' }, 8), 0);
  assert.equal(parallelWorkers({ FAULTLINE_WORKERS: ' ' }, 4), 4);
  assert.throws(
    () => parallelWorkers({ FAULTLINE_WORKERS: 'two' }, 2),
    /FAULTLINE_WORKERS=two .*whole number from 1/,
  );
  assert.throws(() => parallelWorkers({ FAULTLINE_WORKERS: '0' }, 2), /FAULTLINE_WORKERS=0/);
});

test('parallel workers draw ports from slices of their own; a run without workers has the whole range', () => {
  const whole = portRange({});
  assert.deepEqual(
    portRange({ CUCUMBER_PARALLEL: 'true', CUCUMBER_TOTAL_WORKERS: '1', CUCUMBER_WORKER_ID: '0' }),
    whole,
  );
  const slices = [0, 1, 2].map((id) =>
    portRange({ CUCUMBER_PARALLEL: 'true', CUCUMBER_TOTAL_WORKERS: '3', CUCUMBER_WORKER_ID: String(id) }),
  );
  for (const [low, high] of slices) {
    assert.ok(low >= whole[0] && high <= whole[1] && high - low > 1000, `${low}–${high}`);
  }
  for (let i = 1; i < slices.length; i++) assert.ok(slices[i]![0] >= slices[i - 1]![1], 'slices overlap');
});

const dir = mkdtempSync(join(tmpdir(), 'faultline-serial-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('in a parallel run the @serial scenarios overlap nothing, and no worker idles for good', async () => {
  const log = join(dir, 'ran.tsv');
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(
      process.execPath,
      [
        `${ROOT}node_modules/@cucumber/cucumber/bin/cucumber.js`,
        // A configuration of its own: none of faultline's support code, only this test's.
        '--config',
        'test/run/serial/cucumber.mjs',
        '--parallel',
        '2',
        'test/run/serial/scheduling.feature',
      ],
      { cwd: ROOT, env: { ...process.env, SERIAL_TEST_LOG: log }, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.once('exit', resolve);
  });
  assert.equal(code, 0);
  const runs = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [name, start, end] = line.split('\t');
      return { name: name!, start: Number(start), end: Number(end) };
    });
  assert.equal(runs.length, 6);
  const overlap = (a: (typeof runs)[0], b: (typeof runs)[0]) => a.start < b.end && b.start < a.end;
  for (const s of runs.filter((r) => r.name.startsWith('serial')))
    for (const other of runs)
      if (other !== s) assert.ok(!overlap(s, other), `${s.name} overlapped ${other.name}`);
  const plains = runs.filter((r) => r.name.startsWith('plain'));
  assert.ok(
    plains.some((a) => plains.some((b) => a !== b && overlap(a, b))),
    'the ordinary scenarios never ran side by side: the run was not parallel',
  );
  // Serial ones last: both workers stay busy with the ordinary scenarios before them.
  const lastPlainEnd = Math.max(...plains.map((r) => r.end));
  for (const s of runs.filter((r) => r.name.startsWith('serial'))) assert.ok(s.start >= lastPlainEnd - 5);
});
