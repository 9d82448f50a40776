import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import { readMessages } from '../cucumber/messages.ts';
import { runCucumber } from '../features/cucumber-run.ts';

// Abort conditions end to end, on the local backend: a real fault breaches the threshold and the experiment
// stops, rolls back and says so; a fault the system absorbs stays under it and the scenario runs to the end.

const dir = mkdtempSync(join(tmpdir(), 'faultline-abort-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('cutting off the whole fleet breaches "abort if the error rate exceeds 5%": stopped, rolled back, reported', async () => {
  const messages = join(dir, 'breach.ndjson');
  const t0 = Date.now();
  const { code, output } = await runCucumber([
    'test/abort/fleet-partition.feature',
    '--format',
    `message:${messages}`,
  ]).done;
  const took = Date.now() - t0;
  assert.equal(code, 1, `an aborted experiment fails the run\n${output}`);
  const run = readMessages(messages);
  const failed = run.steps.filter((s) => s.status === 'FAILED');
  assert.equal(failed.length, 1, output);
  assert.equal(failed[0]?.text, 'the load has finished');
  assert.match(
    failed[0]?.message ?? '',
    /^ABORTED: error rate \d+(\.\d+)?% \(\d+ of \d+ failed or unknown: .*status 50\d.*\) exceeded the 5% abort threshold after \d+ operations/,
  );
  assert.match(failed[0]?.message ?? '', /the load was stopped and 2 fault\(s\) rolled back$/);
  assert.deepEqual(
    run.steps.filter((s) => s.status === 'SKIPPED').map((s) => s.text),
    ['the error rate is below 50%'],
    'no step after the abort runs',
  );
  // The report carries the figure, and the faults were undone long before their planned 30 s.
  const abort = run.json<{ figure: number; window: number; condition: { above: number } }>('abort.json');
  assert.ok(abort.figure > 0.05 && abort.window >= 20, JSON.stringify(abort));
  assert.match(run.attachment('aborted.txt')?.body ?? '', /^ABORTED: error rate/);
  assert.ok(
    run.attachments.some(
      (a) => a.mediaType === 'application/vnd.allure.message+json' && /"tag","value":"aborted"/.test(a.body),
    ),
    'the Allure result is tagged "aborted"',
  );
  const { faults } = run.json<{ faults: FaultRecord[] }>('fault-timeline.json');
  assert.equal(faults.length, 2);
  for (const fault of faults) {
    assert.equal(fault.state, 'undone');
    const held = (fault.stoppedAt ?? Infinity) - (fault.startedAt ?? 0);
    assert.ok(held < 20_000, `${fault.description} held ${held} ms of its planned 30 s`);
  }
  // The load's own summary says it was stopped, and the environment was verified clean afterwards.
  assert.match(run.attachment('load.txt')?.body ?? '', /stopped by aborted/);
  assert.doesNotMatch(output, /rollback left the environment dirty/);
  assert.ok(took < 60_000, `the run took ${took} ms; the load alone was planned for 40 s`);
});

test('a partition the system absorbs stays under the abort thresholds and the scenario runs to the end', async () => {
  const messages = join(dir, 'held.ndjson');
  const { code, output } = await runCucumber([
    'features/abort/abort-conditions.feature',
    '--format',
    `message:${messages}`,
  ]).done;
  assert.equal(code, 0, output);
  const run = readMessages(messages);
  assert.ok(run.steps.length >= 9);
  assert.deepEqual(
    run.steps.filter((s) => s.status !== 'PASSED'),
    [],
  );
  assert.equal(run.attachment('abort.json'), undefined);
  assert.doesNotMatch(output, /ABORTED/);
});
