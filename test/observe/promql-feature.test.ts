import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readMessages } from '../cucumber/messages.ts';
import { runCucumber } from '../features/cucumber-run.ts';

// The PromQL steps end to end on the reference platform (local backend): a verdict that catches a switched-off
// mechanism, the PromQL brake stopping an experiment with its figure, and what bad input gets — Prometheus's
// own error for a malformed query, UNKNOWN (never a pass) for a metric no target exports.

const dir = mkdtempSync(join(tmpdir(), 'faultline-promql-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('detection power: with retries switched off, a PromQL verdict of features/observe/promql.feature fails', async () => {
  const messages = join(dir, 'detection.ndjson');
  const { code, output } = await runCucumber(
    ['features/observe/promql.feature', '--format', `message:${messages}`],
    { FAULTLINE_PLATFORM_RETRY_ENABLED: 'false' },
  ).done;
  assert.equal(code, 1, `the scenario must fail without retries\n${output}`);
  const failed = readMessages(messages).steps.filter((s) => s.status === 'FAILED');
  assert.equal(failed.length, 1, output);
  // Without retries the controller's retry counter never moves, and a partitioned worker's requests fail:
  // whichever PromQL judgement comes first names the figure.
  assert.match(
    failed[0]?.message ?? '',
    /did not reach at least 1 within 10 s: its last value was 0|was [\d.e-]+ at [\d.]+ s .* under fault, not below 0\.01|^ABORTED: the PromQL/,
  );
});

test('a PromQL abort condition stops the experiment with the figure it read, and rolls the faults back', async () => {
  const messages = join(dir, 'abort.ndjson');
  const t0 = Date.now();
  const { code, output } = await runCucumber([
    'test/observe/promql-abort.feature',
    '--format',
    `message:${messages}`,
  ]).done;
  assert.equal(code, 1, `an aborted experiment fails the run\n${output}`);
  const run = readMessages(messages);
  const failed = run.steps.filter((s) => s.status === 'FAILED');
  assert.equal(failed.length, 1, output);
  assert.equal(failed[0]?.text, 'the load has finished');
  assert.match(
    failed[0]?.message ?? '',
    /^ABORTED: the PromQL "\(sum\(rate\(controller_conversions_total\{outcome!="ok"\}\[3s\]\)\) or vector\(0\)\) \/ sum\(rate\(controller_conversions_total\[3s\]\)\)" was [\d.e-]+ \(\{\}\), above the 0\.05 abort threshold/,
  );
  assert.match(failed[0]?.message ?? '', /the load was stopped and 2 fault\(s\) rolled back$/);
  const abort = run.json<{ figure: number; condition: { kind: string; above: number } }>('abort.json');
  assert.equal(abort.condition.kind, 'promql');
  assert.ok(abort.figure > 0.05 && abort.figure <= 1, JSON.stringify(abort));
  assert.deepEqual(
    run.steps.filter((s) => s.status === 'SKIPPED').map((s) => s.text),
    ['the error rate is below 50%'],
  );
  assert.doesNotMatch(output, /rollback left the environment dirty/);
  assert.ok(Date.now() - t0 < 60_000, 'stopped long before the 40 s load');
});

test("bad input: a malformed query fails with Prometheus's error at its step; an unknown metric is UNKNOWN", async () => {
  const messages = join(dir, 'bad.ndjson');
  const { code, output } = await runCucumber([
    'test/observe/promql-bad-input.feature',
    '--format',
    `message:${messages}`,
  ]).done;
  assert.notEqual(code, 0, output);
  const failed = readMessages(messages).steps.filter((s) => s.status === 'FAILED');
  assert.equal(failed.length, 2, output);
  assert.match(
    failed[0]?.message ?? '',
    /Prometheus refused the PromQL "sum\(rate\(controller_http_requests_total\[5s\]\)" \(bad_data\): 1:45: parse error: unclosed left parenthesis/,
  );
  // Cucumber names where: the scenario's file:line and the step.
  assert.match(output, /test\/observe\/promql-bad-input\.feature:6/);
  assert.match(
    failed[1]?.message ?? '',
    /^UNKNOWN PromQL below 1 over the whole run: no series matched "sum\(rate\(no_such_metric_total\[5s\]\)\)"/,
  );
});
