import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { faultline, planRejecting } from './cli.ts';

// The consistency verdicts are planned like every step: the words must name an operation of the system,
// and the system must declare how to read that operation back — checked before anything starts, at
// file:line, with what to declare.

const dir = mkdtempSync(join(tmpdir(), 'faultline-consistency-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function feature(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

test('an operation the system does not have: rejected at file:line, naming the operations it has', async () => {
  const file = feature('platform.feature', [
    'Feature: consistency words', //                                                            1
    '', //                                                                                       2
    '  Scenario: words', //                                                                      3
    '    Given a healthy controller with 3 registered workers', //                               4
    '    Then every acknowledged document conversion request is present after the heal', //     5
    '    And every acknowledged document conversion requests is consumed exactly once', //      6
    '    And every acknowledged order request is consumed exactly once', //                     7
    '    And the payments of each key are applied in order', //                                 8
    '    And every successful request is charged exactly once', //                               9
    '',
  ]);
  const at = await planRejecting(file);
  at(7, /'order request' is not an operation of this system: write one of "document conversion requests"/);
  at(8, /'payments' is not an operation of this system/);
  const { stdout } = await faultline(['plan', file]);
  assert.doesNotMatch(stdout, /platform\.feature:(5|6|9):/, stdout);
});

test('a system that declares no records: every consistency step says what to declare', async () => {
  const file = feature('counter.feature', [
    'Feature: counter consistency', //                                                           1
    '', //                                                                                       2
    '  Scenario: words', //                                                                      3
    '    Given the system is running', //                                                        4
    '    Then every acknowledged hit is present after the heal', //                              5
    '    And every acknowledged hits is consumed exactly once', //                               6
    '    And the hits of each key are applied in order', //                                      7
    '    And every successful request is charged exactly once', //                               8
    '',
  ]);
  const { code, stdout } = await faultline(['plan', file], {
    FAULTLINE_CONFIG: 'fixtures/counter/faultline.config.ts',
  });
  assert.equal(code, 1, stdout);
  const needs = (line: number, step: string) =>
    assert.match(
      stdout,
      new RegExp(
        `counter\\.feature:${line}: rejected step .*${step} needs the system to declare how to read back what a hit did: records\\['hit'\\]; it declares records for: nothing\\. Add records: \\{ 'hit': \\{ effects\\(env, since, ids\\) \\{ … \\} \\} \\}`,
      ),
      stdout,
    );
  needs(5, '"every acknowledged hit is present after the heal"');
  needs(6, '"every acknowledged hits is consumed exactly once"');
  needs(7, '"the hits of each key are applied in order"');
  assert.match(
    stdout,
    /counter\.feature:8: rejected step .*"every successful request is charged exactly once" needs the system to declare records .*it declares none\. Add records: \{ 'hit': /,
    stdout,
  );
});
