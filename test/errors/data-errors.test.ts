import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Plan } from '../../support/plan/plan.ts';
import { runCucumber } from '../features/cucumber-run.ts';
import { faultline } from '../plan/cli.ts';

// Mistakes in data-fault steps: each reported at its file:line, naming the bad word and what is accepted,
// before anything is sent. The plan (no system started) checks every mistake with the step's own word
// functions; one real run shows the step refuses before its fault reaches the ledger.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'faultline-data-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const feature = join(dir, 'data-mistakes.feature');
writeFileSync(
  feature,
  [
    'Feature: data-fault mistakes', //                                                                        1
    '', //                                                                                                    2
    '  Scenario: a way to malform that does not exist', //                                                    3
    '    Given a healthy controller with 1 registered workers', //                                            4
    '    When a client submits 3 malformed document conversion requests (invalid XML, wrong types)', //       5
    '', //                                                                                                    6
    '  Scenario: an operation the system does not have', //                                                   7
    '    Given a healthy controller with 1 registered workers', //                                            8
    '    When a client submits 3 malformed order requests (invalid JSON)', //                                 9
    '', //                                                                                                    10
    '  Scenario: oversized without a size, a count of none, a verdict on an unknown service', //              11
    '    Given a healthy controller with 1 registered workers', //                                            12
    '    When a client submits 3 malformed document conversion requests (oversized)', //                      13
    '    And a client submits 0 malformed document conversion requests (invalid JSON)', //                    14
    '    Then the kontroller stays healthy', //                                                               15
    '',
  ].join('\n'),
);

test('the plan refuses each mistake at its line with what is accepted', async () => {
  const { stdout } = await faultline(['plan', '--json', feature]);
  const plan = JSON.parse(stdout) as Plan;
  const at = (line: number) =>
    plan.problems.find((p) => p.line === line)?.message ?? `(nothing at line ${line})`;
  assert.match(
    at(5),
    /'invalid XML' is not a way to malform a request: write invalid JSON, missing fields, wrong types, wrong encoding, invalid UTF-8, oversized to <size>/,
  );
  assert.match(
    at(9),
    /'order requests' is not an operation of this system: write one of "document conversion requests"/,
  );
  assert.match(at(13), /'oversized' needs a size: write e\.g\. oversized to 8 MB/);
  assert.match(at(14), /'0' is not a number of malformed requests: write a whole number from 1 to 100000/);
  assert.match(
    at(15),
    /'kontroller' is not a service of the system 'reference-platform'; its services: .*controller/,
  );
});

test('a run fails the step at its file:line and sends nothing: no fault in the ledger', async () => {
  const reports = mkdtempSync(join(dir, 'reports-'));
  const { code, output } = await runCucumber([`${feature}:3`], { FAULTLINE_REPORTS_DIR: reports }).done;
  assert.equal(code, 1, output);
  const shown = relative(ROOT, feature);
  const start = output.indexOf(`${shown}:3`);
  assert.ok(start >= 0, output);
  assert.match(
    output.slice(start),
    /\(invalid XML, wrong types\)[^\n]*\n\s+Error: 'invalid XML' is not a way to malform a request/,
  );
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    run: { faults?: unknown[] }[];
  };
  const faults = JSON.stringify(journal).match(/malformed-requests/g) ?? [];
  assert.equal(faults.length, 0, 'no malformed-requests fault was injected');
});

test('the plan of the data feature lists each flood with the service it goes to, its duration and reach', async () => {
  const { code, stdout, stderr } = await faultline([
    'plan',
    '--json',
    'features/data/malformed-requests.feature',
  ]);
  assert.equal(code, 0, stderr);
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(plan.problems, []);
  const [mixed, oversized] = plan.scenarios.map((s) => s.faults[0]);
  assert.deepEqual(mixed, {
    fault:
      '25 malformed document conversion requests (invalid JSON, missing fields, wrong types, wrong encoding, invalid UTF-8)',
    targets: 'controller',
    duration: '2 s',
    blastRadius: 'controller: receives 25 malformed requests',
    members: 1,
    of: 1,
    group: 'controller',
    line: 12,
    step: 'a client submits 25 malformed document conversion requests (invalid JSON, missing fields, wrong types, wrong encoding, invalid UTF-8) over 2 seconds',
  });
  assert.equal(oversized?.fault, '3 malformed document conversion requests (oversized)');
  assert.equal(oversized?.duration, 'as sent, 4 at a time');
});
