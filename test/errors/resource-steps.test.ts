import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';

// A real run of resource fault steps with mistakes in them, against the running reference platform: each
// step fails at its feature file and line, naming the bad word or figure and what is accepted — a figure
// beyond this machine names what the machine has — before anything is applied: the scenario's fault
// timeline stays empty.

const dir = mkdtempSync(join(tmpdir(), 'faultline-resource-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('resource fault steps with an unknown service, a store, a figure beyond the machine or a disk not declared fail at file:line, nothing applied', {
  timeout: 300_000,
}, async () => {
  const feature = join(dir, 'resource-mistakes.feature');
  const scenario = (name: string, step: string) => [
    `  Scenario: ${name}`,
    '    Given a healthy controller with 2 registered workers',
    `    When ${step}`,
    '',
  ];
  writeFileSync(
    feature,
    [
      'Feature: resource mistakes', //                                                              1
      '', //                                                                                          2
      ...scenario('an unknown service', 'kafka is held to 5% of a CPU for 2 seconds'), //             3-6
      ...scenario('more CPU than a CPU', '1 of the workers is held to 150% of a CPU'), //             7-10
      ...scenario('more memory than the machine', 'the memory of the controller is capped at 900 GB'), // 11-14
      ...scenario('a store', '64 MB of memory is held in the group of redis for 2 seconds'), //      15-18
      ...scenario('a bad leak rate', 'connections to worker-1 leak at lots per second for 2 seconds'), // 19-22
      ...scenario('a bad size', 'the memory of worker-1 is capped at 64 parsecs'), //                 23-26
      ...scenario('a disk not declared', 'the disk of postgres is full for 2 seconds'), //            27-30
      ...scenario('a share of a disk', 'the disk of redis fills to 0.5% for 2 seconds'), //          31-34
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
    [7, /'150%' is not a percentage: write a number from 0 to 100 followed by %/],
    [
      11,
      /a memory cap of 900 GB is 900\.0 GB, more than this machine can give: 85% of its memory is [\d.]+ GB \(of [\d.]+ GB\); name at most [\d.]+ GB/,
    ],
    [
      15,
      /memory pressure acts on a process service: 'redis' is a redis store, which faultline keeps for the next scenario; the services that qualify: controller, worker-1, worker-2/,
    ],
    [19, /'lots' is not a leak rate: write a whole number of connections per second from 1 to 1000/],
    [23, /'64 parsecs' is not a size: write a number and B, KB, MB or GB/],
    [
      27,
      /postgres has no data disk to fill: a postgres service takes none \(a data disk is declared for Redis stores, redis\(name, \{ disk: '16 MB' \}\), and process services, disk: \{ env, size \}\); services with one: redis/,
    ],
    [31, /'0.5%' is not a share of a disk to fill: write 1% to 100%, or "is full"/],
  ];
  for (const [line, message] of expectations) assert.match(block(line), message);
  assert.match(output, /8 scenarios \(8 failed\)/);
  const journal = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as {
    scenarios: { name: string; faults: unknown[] }[];
  };
  assert.equal(journal.scenarios.length, 8);
  for (const s of journal.scenarios) assert.deepEqual(s.faults, [], s.name);
});
