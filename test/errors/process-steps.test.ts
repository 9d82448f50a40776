import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';

// A real run of process fault steps with mistakes in them, against the running reference platform: each
// step fails at its feature file and line, naming the bad word or number and what is accepted, before
// anything is applied — the scenario's fault timeline stays empty.

const dir = mkdtempSync(join(tmpdir(), 'faultline-process-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('process fault steps with an unknown service, 0 of a group or a bad duration fail at file:line, nothing applied', {
  timeout: 300_000,
}, async () => {
  const feature = join(dir, 'process-mistakes.feature');
  const scenario = (name: string, step: string) => [
    `  Scenario: ${name}`,
    '    Given a healthy controller with 2 registered workers',
    `    When ${step}`,
    '',
  ];
  writeFileSync(
    feature,
    [
      'Feature: process mistakes', //                                                        1
      '', //                                                                                   2
      ...scenario('an unknown service', 'kafka is killed with SIGKILL for 2 seconds'), //     3-6
      ...scenario('none of a group', '0 of the workers are paused for 2 seconds'), //         7-10
      ...scenario('a bad duration', 'the controller is stopped with SIGTERM for a while'), // 11-14
      ...scenario(
        'a monkey slower than its run',
        'a chaos monkey kills 1 of the workers every 5 seconds for 1 second',
      ), // 15-18
    ].join('\n'),
  );
  const { code, output } = await runCucumber([feature], {
    FAULTLINE_BACKEND: process.env.FAULTLINE_BACKEND ?? 'local',
    FAULTLINE_REPORTS_DIR: dir,
  }).done;
  assert.equal(code, 1, output);
  const shown = relative(ROOT, feature);
  const block = (line: number) => {
    const start = output.indexOf(`${shown}:${line}`);
    assert.ok(start >= 0, `${shown}:${line} is reported\n${output}`);
    const next = output.indexOf(`${shown}:`, start + 1);
    return output.slice(start, next === -1 ? undefined : next);
  };
  const expectations: [number, RegExp][] = [
    [
      3,
      /'kafka' is neither a service nor a group of the system 'reference-platform'; its services: redis, postgres, controller, worker-1, worker-2/,
    ],
    [7, /cannot strike 0 of 2 workers: choose between 1 and 2/],
    [11, /'a while' is not a duration: write a number and a unit/],
    [
      15,
      /a chaos monkey every 5 seconds for 1 second would strike once: the period must not exceed the duration/,
    ],
  ];
  for (const [line, message] of expectations) {
    const text = block(line);
    assert.match(text, message);
  }
  assert.match(output, /4 scenarios \(4 failed\)/);
  // Nothing was applied: every scenario's fault ledger, as the run's journal records it, is empty.
  const journal = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as {
    scenarios: { name: string; faults: unknown[] }[];
  };
  assert.equal(journal.scenarios.length, 4);
  for (const s of journal.scenarios) assert.deepEqual(s.faults, [], s.name);
});
