import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { faultline } from '../plan/cli.ts';

// `faultline run` as a CI job runs it, on feature files made for this test (test/cli/features): the exit
// code says what kind of failure the run had, and the last lines name the scenarios of each kind.

const dir = mkdtempSync(join(tmpdir(), 'faultline-run-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]) {
  const reports = mkdtempSync(join(dir, 'reports-'));
  return faultline(['run', ...args], { FAULTLINE_REPORTS_DIR: reports, FAULTLINE_BACKEND: 'local' }).then(
    (result) => ({ ...result, reports }),
  );
}

test('a step no definition matches is a configuration problem: exit 3, the scenario named', async () => {
  const { code, stdout, stderr } = await run(['test/cli/features/undefined-step.feature']);
  assert.equal(code, 3, `${stdout}\n${stderr}`);
  assert.match(
    stderr,
    /exit 3 infrastructure or configuration problem \(nothing was tested\): "A step nobody wrote" \(test\/cli\/features\/undefined-step\.feature:4: undefined, ambiguous or pending step\)/,
  );
  assert.match(stdout, /1 scenario \(1 undefined\)/, 'cucumber formatters still own stdout');
});

test('an option cucumber-js does not have is a configuration problem: exit 3, the accepted options listed', async () => {
  const { code, stderr } = await run(['--tagz', '@smoke', 'test/cli/features/undefined-step.feature']);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /faultline run: Unknown option '--tagz'.*accepted: cucumber-js's options \(.*--tags/);
});

test('a profile that does not exist is a configuration problem: exit 3', async () => {
  const { code, stderr } = await run(['-p', 'nope', 'test/cli/features/undefined-step.feature']);
  assert.equal(code, 3, stderr);
  assert.match(stderr, /the run could not start: .*nope/);
});

test('a broken verdict beside an unrunnable step: the product defect wins (exit 1), both are listed; -p ci is honoured', async () => {
  const { code, stdout, stderr, reports } = await run(['-p', 'ci', 'test/cli/features/defect.feature']);
  assert.equal(code, 1, `${stdout}\n${stderr}`);
  const summary = stderr.slice(stderr.lastIndexOf('faultline run:'));
  assert.match(
    summary,
    /exit 1 product defect \(a verdict broke or an abort tripped\): "A verdict that breaks" \(test\/cli\/features\/defect\.feature:5: product defect\)/,
  );
  assert.match(summary, /exit 3 .*"A step nobody wrote" \(test\/cli\/features\/defect\.feature:10/);
  assert.ok(
    summary.indexOf('exit 1') < summary.indexOf('exit 3'),
    'the line of the winning code comes first',
  );
  // The ci profile writes the Cucumber messages; the default profile does not.
  assert.ok(existsSync(join(reports, 'messages.ndjson')), 'the ci profile of cucumber.js was used');
});

test('a fault no traffic crossed is an invalid experiment: exit 2, the scenario named', async () => {
  // test/traffic's experiment holds a latency fault while no client sends (its one test-only step comes
  // with it): the fault proves nothing, and the run must not pass as if it had.
  const { code, stdout, stderr } = await run([
    '--import',
    'test/traffic/quiet.steps.ts',
    '--name',
    'proves nothing',
    'test/traffic/traffic-proof.feature',
  ]);
  assert.equal(code, 2, `${stdout}\n${stderr}`);
  assert.match(
    stderr,
    /exit 2 invalid experiment \(a fault had no effect, a verdict could not be decided, or the rollback left the environment dirty\): "A latency fault on a link no traffic crosses while it holds proves nothing" \(test\/traffic\/traffic-proof\.feature:\d+: fault without effect\)/,
  );
  assert.doesNotMatch(stderr, /exit 1 /);
});

test('a scenario that passes: exit 0', async () => {
  const { code, stdout, stderr } = await run(['--tags', 'not @nothing', 'test/cli/features/passing.feature']);
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stderr, /exit 0: all 1 scenario\(s\) passed/);
});
