import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';
import { faultline } from '../plan/cli.ts';

// Real cucumber runs of dependency-fault steps with mistakes in them, against the reference platform: each is
// reported at its feature file and line, naming the bad word and what is accepted, and nothing is applied
// (the run's journal holds no fault). The same words fail `faultline plan` before anything starts.

const dir = mkdtempSync(join(tmpdir(), 'faultline-store-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const feature = join(dir, 'store-mistakes.feature');
const given = '    Given a healthy controller with 1 registered workers';
const lines = [
  'Feature: dependency-fault mistakes', //                                   1
  '', //                                                                     2
  '  Scenario: an unknown service', //                                      3
  given, //                                                                  4
  '    When rediss is stopped for 1 second', //                             5
  '', //                                                                     6
  '  Scenario: a service that is not a store', //                           7
  given, //                                                                  8
  '    When controller restarts empty', //                                  9
  '', //                                                                     10
  '  Scenario: a Postgres fault aimed at Redis', //                         11
  given, //                                                                  12
  '    When redis runs out of connection slots for 1 second', //            13
  '', //                                                                     14
  '  Scenario: a Redis fault aimed at Postgres', //                         15
  given, //                                                                  16
  '    When the postgres key "faultline:routing:cursor" is poisoned', //    17
  '', //                                                                     18
  '  Scenario: a bad pattern', //                                           19
  given, //                                                                  20
  '    When the redis keys matching "faultline:[workers" are poisoned', //  21
  '', //                                                                     22
  '  Scenario: a bad delay', //                                             23
  given, //                                                                  24
  '    When postgres queries take 300 parsecs longer for 1 second', //      25
  '',
];
writeFileSync(feature, lines.join('\n'));

test('unknown services, non-stores, the wrong kind of store, bad patterns and delays: file:line, the word, what is accepted; nothing applied', async () => {
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
    /rediss is stopped for 1 second[^\n]*\n\s+(?:Error: )?'rediss' is not a service of the system 'reference-platform'; its services: redis, postgres, controller, worker-1/,
  );
  assert.match(
    block(7),
    /'controller' is not a Redis store of the system 'reference-platform' \(it is a process service\), so this step cannot act on it; the services that qualify: redis \(redis\)/,
  );
  assert.match(
    block(11),
    /'redis' is not a Postgres store of the system 'reference-platform' \(it is a redis service\), so this step cannot act on it; the services that qualify: postgres \(postgres\)/,
  );
  assert.match(block(15), /'postgres' is not a Redis store .* the services that qualify: redis \(redis\)/);
  assert.match(
    block(19),
    /"faultline:\[workers" is not a Redis key pattern: an unclosed '\[' or a trailing '\\'; glob rules: \* any run, \? one character, \[abc\] one of, \\ escapes/,
  );
  assert.match(block(23), /'300 parsecs' is not a duration: write a number and a unit/);
  assert.match(output, /6 scenarios \(6 failed\)/);
  // Nothing was applied: the journal of the run records no fault in any scenario.
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { faults: unknown[] }[];
  };
  assert.equal(journal.scenarios.length, 6);
  assert.deepEqual(
    journal.scenarios.map((s) => s.faults.length),
    [0, 0, 0, 0, 0, 0],
  );
});

test('faultline plan rejects the same steps at file:line before anything starts, and plans the dependency features', async () => {
  const { code, stdout } = await faultline(['plan', feature]);
  assert.equal(code, 1);
  const problem = (line: number) => new RegExp(`${feature.replaceAll('.', '\\.')}:${line}: rejected step`);
  for (const line of [5, 9, 13, 17, 21, 25]) assert.match(stdout, problem(line));
  assert.match(stdout, /6 scenario\(s\), 0 fault\(s\), 6 problem\(s\)/);
  const plan = await faultline(['plan', 'features/dependencies']);
  assert.equal(plan.code, 0, plan.stdout);
  for (const fault of [
    'store stopped',
    'store restarted empty',
    'cache poisoning',
    'connection slots exhausted',
    'read-only',
    'open connections terminated',
    'slow queries +300 ms',
  ])
    assert.ok(plan.stdout.includes(fault), `${fault} is planned\n${plan.stdout}`);
  assert.match(plan.stdout, /redis and everyone using it\s+│/);
});
