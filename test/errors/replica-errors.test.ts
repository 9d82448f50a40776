import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, runCucumber } from '../features/cucumber-run.ts';

// Real cucumber runs on replica steps with mistakes in them: a replica index that does not exist, a service
// that has no replicas, a count it cannot supply, a bound that is no size or time. Each is reported at its
// feature file and line with what exists and what is accepted, and no fault is applied (the scenario's fault
// ledger, attached by the After hook, is empty).

const dir = mkdtempSync(join(tmpdir(), 'faultline-replica-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const feature = join(dir, 'replica-mistakes.feature');
const shown = relative(ROOT, feature);
writeFileSync(
  feature,
  [
    'Feature: replica mistakes', //                                                             1
    '', //                                                                                      2
    '  Scenario: a replica index that does not exist', //                                       3
    '    Given a healthy controller with 1 registered workers and 1 postgres replica', //        4
    '    When the postgres replica 3 fails for 2 seconds', //                                   5
    '', //                                                                                      6
    '  Scenario: a service that has no replicas', //                                            7
    '    Given a healthy controller with 1 registered workers', //                              8
    '    When 1 of the postgres replicas fails', //                                             9
    '', //                                                                                      10
    '  Scenario: a store that cannot have replicas', //                                         11
    '    Given a healthy controller with 1 registered workers and 2 redis replicas', //         12
    '', //                                                                                      13
    '  Scenario: more replicas than there are', //                                              14
    '    Given a healthy controller with 1 registered workers and 1 postgres replica', //       15
    '    When 2 of the postgres replicas fail', //                                              16
    '', //                                                                                      17
    '  Scenario: a lag bound that is no size or time', //                                      18
    '    Given a healthy controller with 1 registered workers and 1 postgres replica', //       19
    '    Then the replica lag of the postgres replicas is back under 1 parsec within 5 seconds', // 20
    '',
  ].join('\n'),
);

test('replica mistakes: file:line, what exists, what is accepted; nothing applied', {
  timeout: 180_000,
}, async () => {
  const reports = join(dir, 'reports');
  const messages = join(dir, 'messages.ndjson');
  const { code, output } = await runCucumber([feature, '--format', `message:${messages}`], {
    FAULTLINE_REPORTS_DIR: reports,
  }).done;
  assert.equal(code, 1, 'mistakes fail the run');
  const block = (line: number) => {
    const start = output.indexOf(`${shown}:${line}`);
    assert.ok(start >= 0, `${shown}:${line} is reported\n${output}`);
    return output.slice(start, start + 900);
  };
  assert.match(
    block(3),
    /the postgres replica 3 fails[^\n]*\n\s+postgres has no replica 3: its replicas are postgres-replica-1 \(replica 1 to 1\)/,
  );
  assert.match(
    block(7),
    /'postgres' has no replicas in this scenario: declare it with postgres\('<name>', \{ replicas: 2 \}\), or start some with 'Given a healthy … and 2 <name> replicas'; postgres with replicas: none/,
  );
  assert.match(
    block(11),
    /'redis' is not a postgres primary of the system 'reference-platform', so it can have no streaming replicas; its postgres: postgres/,
  );
  assert.match(block(14), /cannot strike 2 of 1 postgres-replicas: choose between 1 and 1/);
  assert.match(
    block(18),
    /'1 parsec' is not a replica lag bound: write a size of WAL \(512 KB, 1 MB\) or a time behind \(500 ms, 2 seconds\)/,
  );
  assert.match(output, /5 scenarios \(5 failed\)/);
  // Nothing was applied: every scenario's fault ledger (the After hook's JSON attachment) is empty.
  const ledgers = readFileSync(messages, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { attachment?: { mediaType: string; body: string } })
    .flatMap((m) =>
      m.attachment?.mediaType === 'application/json' && m.attachment.body.includes('"faults"')
        ? [JSON.parse(m.attachment.body) as { faults: unknown[] }]
        : [],
    );
  assert.ok(ledgers.length >= 4, `a fault ledger per started scenario (found ${ledgers.length})`);
  for (const ledger of ledgers) assert.deepEqual(ledger.faults, []);
});
