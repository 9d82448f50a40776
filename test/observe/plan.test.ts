import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { faultline } from '../plan/cli.ts';

// The hypothesis table is checked before anything starts: `faultline plan` names every wrong row (its line,
// what was wrong, what is accepted) and exits 1; the features of features/observe plan cleanly.

const dir = mkdtempSync(join(tmpdir(), 'faultline-hypothesis-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a probe of a missing service, a tolerance that cannot parse and an unknown probe kind are refused at plan time', async () => {
  const file = join(dir, 'hypothesis.feature');
  writeFileSync(
    file,
    [
      'Feature: hypothesis mistakes', //                                             1
      '', //                                                                          2
      '  Scenario: mistakes', //                                                      3
      '    Given a healthy controller with 3 registered workers', //                  4
      '    And the steady-state hypothesis, checked every 200 ms:', //                5
      '      | probe                     | of         | tolerance    |', //           6
      '      | http GET /healthz status  | kontroller | equals 200   |', //           7
      '      | http GET /healthz latency | controller | at most soon |', //           8
      '      | ping controller           | controller | equals 1     |', //           9
      '      | process alive             | worker-1   | equals true  |', //          10
      '    Then the failure stays isolated to kafka', //                             11
      '', //                                                                         12
      '  Scenario: too often', //                                                   13
      '    Given a healthy controller with 3 registered workers', //                 14
      '    And the steady-state hypothesis, checked every 10 ms:', //                15
      '      | probe         | of       | tolerance   |', //                          16
      '      | process alive | worker-1 | equals true |', //                          17
      '',
    ].join('\n'),
  );
  const { code, stdout } = await faultline(['plan', file]);
  assert.equal(code, 1, stdout);
  for (const expected of [
    new RegExp(
      `${file}:5: rejected step "And the steady-state hypothesis, checked every 200 ms:": the steady-state hypothesis has 3 mistake\\(s\\)`,
    ),
    /- row 1 \(line 7\) \| http GET \/healthz status \| kontroller \| equals 200 \|: 'kontroller' is not a service of the system 'reference-platform'; its services: redis, postgres, controller, worker-1/,
    /- row 2 \(line 8\) .*: tolerance 'at most soon' cannot be parsed: 'soon' is not a number or a duration; accepted: equals <value>/,
    /- row 3 \(line 9\) .*: probe 'ping controller': unknown probe kind 'ping'; the kinds: http, sql, redis, log, process/,
    new RegExp(`${file}:11: rejected step "Then the failure stays isolated to kafka": 'kafka' names nothing`),
    new RegExp(
      `${file}:15: rejected step .*: a hypothesis checked every 10 ms would load the system it watches: check at most every 50 ms`,
    ),
  ])
    assert.match(stdout, expected);
  assert.doesNotMatch(stdout, /row 4/);
});

test('the hypothesis features plan cleanly, their tables read into the plan', async () => {
  const { code, stdout } = await faultline(['plan', 'features/observe']);
  assert.equal(code, 0, stdout);
  assert.match(
    stdout,
    /steady-state hypothesis: 9 probe\(s\) every 200 ms \(http GET \/healthz status of controller equals 200;/,
  );
});
