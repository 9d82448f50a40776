import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';
import { faultline } from '../plan/cli.ts';

// Audit-overflow steps with mistakes in them, run for real against the reference platform: each is reported
// at its feature file and line, naming the bad word and what is accepted, and nothing is sent (the journal
// holds no fault). The same words fail `faultline plan` before anything starts.

const dir = mkdtempSync(join(tmpdir(), 'faultline-audit-flood-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const feature = join(dir, 'audit-flood-mistakes.feature');
const given = '    Given a healthy controller with 1 registered workers';
const lines = [
  'Feature: audit-flood mistakes', //                                                     1
  '', //                                                                                  2
  '  Scenario: an event the system does not declare', //                                 3
  given, //                                                                               4
  '    When a client causes 100 audited failed logins per second for 1 second', //       5
  '', //                                                                                  6
  '  Scenario: a rate that is not a number', //                                          7
  given, //                                                                               8
  '    When a client causes many audited rejected registrations per second for 1 second', // 9
  '', //                                                                                  10
  '  Scenario: a flood too long', //                                                     11
  given, //                                                                               12
  '    When a client causes 100 audited rejected registrations per second for 5 minutes', // 13
  '', //                                                                                  14
  '  Scenario: a verdict on a flood that never was', //                                  15
  given, //                                                                               16
  '    Then every audited rejected registration is recorded within 2 seconds', //        17
  '',
];
writeFileSync(feature, lines.join('\n'));

test('unknown events, bad rates, floods too long, a verdict without a flood: file:line, the word, what is accepted; nothing sent', async () => {
  const reports = join(dir, 'reports');
  const { code, output } = await runCucumber([feature], { FAULTLINE_REPORTS_DIR: reports }).done;
  assert.equal(code, 1, 'mistakes fail the run');
  const at = relative(ROOT, feature);
  const block = (line: number) => {
    const start = output.indexOf(`${at}:${line}`);
    assert.ok(start >= 0, `${at}:${line} is reported\n${output}`);
    return output.slice(start, start + 900);
  };
  assert.match(
    block(3),
    /'failed logins' is not an auditable event the system declares; it declares: rejected registration/,
  );
  assert.match(
    block(7),
    /'many' audited events per second: a whole number of events per second from 1 to 5000/,
  );
  assert.match(
    block(11),
    /a flood of audited events for 5 minutes: a duration above 0 and at most 60 seconds/,
  );
  assert.match(block(15), /judges a flood of audited rejected registrations; this scenario caused none/);
  assert.match(output, /4 scenarios \(4 failed\)/);
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { faults: unknown[] }[];
  };
  assert.deepEqual(
    journal.scenarios.map((s) => s.faults.length),
    [0, 0, 0, 0],
  );
});

test('faultline plan rejects the same steps at file:line, and plans the audit overflow on the controller', async () => {
  const { code, stdout } = await faultline(['plan', feature]);
  assert.equal(code, 1);
  const problem = (line: number) => new RegExp(`${feature.replaceAll('.', '\\.')}:${line}: rejected step`);
  for (const line of [5, 9, 13]) assert.match(stdout, problem(line));
  const plan = await faultline(['plan', 'features/security/audit-overflow.feature']);
  assert.equal(plan.code, 0, plan.stdout);
  // The table wraps its cells: the fault's words are on two lines, the target on the first.
  assert.match(plan.stdout, /│ 15 +│ 200 audited rejected +│ controller +│ 3 s/);
  assert.match(plan.stdout, /registrations per second/);
});
