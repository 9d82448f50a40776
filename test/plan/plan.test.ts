import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Plan } from '../../support/plan/plan.ts';
import { faultline } from './cli.ts';

// `faultline plan` on the real features and step definitions, as a user runs it.

const dir = mkdtempSync(join(tmpdir(), 'faultline-plan-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the plan of the seed features lists each fault with its targets, duration and blast radius, touching nothing', async () => {
  // An empty TMPDIR and binaries that do not exist: starting anything would leave a trace or fail.
  const scratch = mkdtempSync(join(dir, 'tmp-'));
  const { code, stdout, stderr } = await faultline(
    ['plan', '--json', 'features/network', 'features/process', 'features/tls'],
    {
      TMPDIR: scratch,
      FAULTLINE_REDIS_SERVER: '/nonexistent/redis-server',
      FAULTLINE_PG_BIN: '/nonexistent',
    },
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(readdirSync(scratch), [], 'nothing was started: no temp dir');
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(plan.problems, []);
  // The certificate outline expands per example row, as cucumber runs it.
  assert.equal(plan.scenarios.length, 2 + 1 + 5);
  const smoke = plan.scenarios.find((s) => s.name === 'Controller loses connection to worker fleet');
  assert.ok(smoke);
  assert.equal(smoke.uri, 'features/network/partition.feature');
  assert.equal(smoke.line, 7);
  assert.deepEqual(smoke.system, ['controller with 5 workers']);
  assert.deepEqual(smoke.tags, ['@network', '@partition', '@smoke']);
  assert.equal(smoke.faults.length, 1);
  const [partition] = smoke.faults;
  assert.equal(partition?.line, 9);
  assert.equal(partition?.members, 3);
  assert.equal(partition?.of, 5);
  assert.equal(partition?.duration, '30 s, then heals');
  assert.match(partition?.fault ?? '', /network partition/);
  assert.equal(partition?.blastRadius, '3 of 5 workers (60%): unreachable from the coordinator');
  const crash = plan.scenarios.find((s) => s.uri === 'features/process/worker-crash.feature')?.faults[0];
  assert.equal(crash?.fault, 'SIGKILL 2 s into its work');
  assert.equal(crash?.blastRadius, '1 of 2 workers (50%): process killed mid-request');
  const revoked = plan.scenarios.find((s) => s.name.endsWith('revoked'));
  assert.equal(revoked?.faults[0]?.fault, 'certificate revoked');
  assert.equal(revoked?.line, 27, 'an outline row is planned at its example line');
});

test('the readable plan is a table per scenario, with abort conditions and load', async () => {
  const { code, stdout } = await faultline(['plan', 'features/abort']);
  assert.equal(code, 0);
  assert.match(stdout, /^features\/abort\/abort-conditions\.feature:9 {2}A partition of one worker/m);
  assert.match(stdout, /abort: {4}abort if the error rate exceeds 20%; abort if p99 latency exceeds 10 s/);
  assert.match(
    stdout,
    /load: {5}4 concurrent client\(s\): document conversion requests, for 6 s, in the background/,
  );
  assert.match(stdout, /│ line │ fault +│ targets +│ duration +│ blast radius +│/);
  assert.match(stdout, /│ 15 +│ network partition/);
  assert.match(stdout, /1 scenario\(s\), 1 fault\(s\)\n$/);
});

test('undefined steps, malformed parameters and bad Gherkin are problems at file:line; the plan exits 1', async () => {
  const bad = join(dir, 'bad.feature');
  writeFileSync(
    bad,
    [
      'Feature: typos',
      '',
      '  Scenario: a few',
      '    Given a healthy controller with 3 registered workers',
      '    And abort if the error rate exceeds 150%',
      '    When the network between the controller and 1 of its workers is partitioned for 30 parsecs',
      "    And 4 of the controller's workers respond 2 seconds slower",
      '    And the moon falls on the controller',
      '',
    ].join('\n'),
  );
  const broken = join(dir, 'broken.feature');
  writeFileSync(broken, 'Feature: broken\n\n  Scenario: x\n    Given a step\n    this line has no keyword\n');
  const { code, stdout } = await faultline(['plan', bad, broken]);
  assert.equal(code, 1, stdout);
  const problems = stdout.slice(stdout.indexOf('problem(s):'));
  assert.match(
    problems,
    new RegExp(
      `${bad}:5: rejected step "And abort if the error rate exceeds 150%": '150%' is not a percentage: write a number from 0 to 100`,
    ),
  );
  assert.match(
    problems,
    new RegExp(
      `${bad}:6: rejected step .*: '30 parsecs' is not a duration: write a number and a unit, e\\.g\\. 500ms`,
    ),
  );
  assert.match(
    problems,
    new RegExp(`${bad}:7: rejected step .*: cannot strike 4 of 3 workers: choose between 1 and 3`),
  );
  assert.match(problems, new RegExp(`${bad}:8: undefined step "And the moon falls on the controller"`));
  assert.match(problems, new RegExp(`${broken}:5: syntax: .*got 'this line has no keyword'`));

  const json = await faultline(['plan', '--json', bad]);
  assert.equal(json.code, 1);
  const plan = JSON.parse(json.stdout) as Plan;
  assert.deepEqual(
    plan.problems.map((p) => [p.line, p.problem]),
    [
      [5, 'rejected'],
      [6, 'rejected'],
      [7, 'rejected'],
      [8, 'undefined'],
    ],
  );
});

test('usage errors say what is accepted and exit 2', async () => {
  const unknown = await faultline(['plan', '--jsn']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /accepted: --json, --profile <name>, --help/);
  const missing = await faultline(['plan', 'features/nope']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /features\/nope: no such file or directory/);
  const help = await faultline(['--help']);
  assert.match(help.stdout, /plan +list per scenario the faults/);
});
