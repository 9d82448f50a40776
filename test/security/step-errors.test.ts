import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';
import { faultline } from '../plan/cli.ts';

// Real cucumber runs of security-fault steps with mistakes in them, against the reference platform: each is
// reported at its feature file and line, naming the bad word and what is accepted, and nothing is applied
// (the run's journal holds no fault). The same words fail `faultline plan` before anything starts.

const dir = mkdtempSync(join(tmpdir(), 'faultline-security-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const feature = join(dir, 'security-mistakes.feature');
const given = '    Given a healthy controller with 1 registered workers';
const lines = [
  'Feature: security-fault mistakes', //                                              1
  '', //                                                                              2
  '  Scenario: a service that is not a store', //                                     3
  given, //                                                                           4
  '    When the controller password is rotated', //                                   5
  '', //                                                                              6
  '  Scenario: a privilege a table does not have', //                                 7
  given, //                                                                           8
  '    When the postgres user loses FLY on table "ledger" for 1 second', //           9
  '', //                                                                              10
  '  Scenario: a Postgres grant taken in Redis', //                                   11
  given, //                                                                           12
  '    When the redis user loses INSERT on table "ledger" for 1 second', //           13
  '', //                                                                              14
  '  Scenario: a category instead of a command', //                                   15
  given, //                                                                           16
  '    When the redis user may no longer run "@write" for 1 second', //               17
  '', //                                                                              18
  '  Scenario: a bad duration', //                                                    19
  given, //                                                                           20
  '    When the postgres password changes without the system being told for 3 parsecs', // 21
  '',
];
writeFileSync(feature, lines.join('\n'));

test('non-stores, unknown privileges, the wrong kind of store, categories, bad durations: file:line, the word, what is accepted; nothing applied', async () => {
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
    /'controller' is not a store \(Redis or Postgres\) of the system 'reference-platform' \(it is a process service\).*the services that qualify: redis \(redis\), postgres \(postgres\)/,
  );
  assert.match(
    block(7),
    /'FLY' is not a privilege on a table: FLY unknown; a table privilege is one of SELECT, INSERT, UPDATE, DELETE/,
  );
  assert.match(
    block(11),
    /'redis' is not a Postgres store .* the services that qualify: postgres \(postgres\)/,
  );
  assert.match(
    block(15),
    /"@write" is not a Redis command: name one command as Redis spells it, e\.g\. "set"/,
  );
  assert.match(block(19), /'3 parsecs' is not a duration: write a number and a unit/);
  assert.match(output, /5 scenarios \(5 failed\)/);
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { faults: unknown[] }[];
  };
  assert.deepEqual(
    journal.scenarios.map((s) => s.faults.length),
    [0, 0, 0, 0, 0],
  );
});

test('faultline plan rejects the same steps at file:line before anything starts, and plans the security features', async () => {
  const { code, stdout } = await faultline(['plan', feature]);
  assert.equal(code, 1);
  const problem = (line: number) => new RegExp(`${feature.replaceAll('.', '\\.')}:${line}: rejected step`);
  for (const line of [5, 9, 13, 17, 21]) assert.match(stdout, problem(line));
  assert.match(stdout, /5 scenario\(s\), 0 fault\(s\), 5 problem\(s\)/);
  const plan = await faultline(['plan', 'features/security']);
  assert.equal(plan.code, 0, plan.stdout);
  for (const fault of [
    'credential rotation',
    'credential invalidation',
    'privilege revoked',
    'command denied',
  ])
    assert.ok(plan.stdout.includes(fault), `${fault} is planned\n${plan.stdout}`);
});
