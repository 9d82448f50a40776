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
  // The certificate outlines expand per example row, as cucumber runs them; features/network has the
  // partition feature (2), the link faults (5) and the split brain (1), features/process the worker crash
  // (1) and the process faults (5), features/tls the certificate expiry (5) and the server certificate (3).
  assert.equal(plan.scenarios.length, 2 + 5 + 1 + 1 + 5 + 5 + 3);
  const split = plan.scenarios.find((s) => s.uri === 'features/network/split-brain.feature')?.faults[0];
  assert.equal(split?.fault, 'split brain (black hole between two halves)');
  assert.equal(split?.duration, '3 s, then heals');
  assert.equal(split?.members, 3);
  const links = plan.scenarios.filter((s) => s.uri === 'features/network/link-faults.feature');
  assert.equal(
    links.flatMap((s) => s.faults).length,
    16,
    'every network fault step of the feature is planned',
  );
  assert.ok(links.every((s) => s.faults.every((f) => f.targets && f.duration && f.blastRadius)));
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
  const processFaults = plan.scenarios
    .filter((s) => s.uri === 'features/process/process-faults.feature')
    .map((s) => s.faults.map((f) => [f.fault, f.targets, f.duration, f.blastRadius]));
  assert.deepEqual(processFaults, [
    [['SIGKILL', '2 of the workers', '3 s, then restarted', '2 of 3 workers (66.67%): process killed']],
    [['SIGTERM', 'the controller', '2 s, then restarted', 'controller: process stopped gracefully']],
    [
      [
        'pause (SIGSTOP / container pause)',
        '1 of the workers',
        '3 s, then resumed',
        '1 of 3 workers (33.33%): alive but answers nothing',
      ],
    ],
    [
      [
        'restart',
        'the workers',
        'the restart itself (stop, start, ready)',
        '2 of 2 workers (100%): down while it restarts',
      ],
    ],
    [
      [
        'chaos monkey: SIGKILL every 2 s (3 rounds, seeded draw)',
        '1 of the workers',
        '6 s, then whatever is down is restarted',
        '1 of 3 workers (33.33%): processes killed each round',
      ],
    ],
  ]);
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

/** Writes a feature file into the test's temp dir. */
function feature(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

test('a service or group the system lacks is a problem at file:line naming what it has; exit 1', async () => {
  const file = feature('words.feature', [
    'Feature: words',
    '',
    '  Scenario: bananas',
    '    Given a healthy kafka with 3 registered bananas',
    '    Then the kafka recovers within 5 seconds',
    '',
    '  Scenario: roles',
    '    Given a healthy controller with 3 registered workers',
    '    When the network between the postgres and 1 of its workers is partitioned for 2 seconds',
    '    Then the controller opens the breaker of the slow banana',
    "    And the controller rejects the worker-1's certificate as expired within 5 seconds",
    '',
    '  Scenario: operations',
    '    Given a healthy controller with 3 registered workers',
    '    When 4 concurrent clients submit pizza orders for 2 seconds',
    '',
  ]);
  const { code, stdout } = await faultline(['plan', file]);
  assert.equal(code, 1, stdout);
  const problems = stdout.slice(stdout.indexOf('problem(s):'));
  assert.match(
    problems,
    new RegExp(
      `${file}:4: rejected step "Given a healthy kafka with 3 registered bananas": 'bananas' is not a group of the system 'reference-platform'; its groups: workers .*; and 'kafka' is not a service of the system 'reference-platform'; its services: redis, postgres, controller, worker-1, worker-2, worker-3\n`,
    ),
  );
  assert.match(
    problems,
    new RegExp(
      `${file}:5: rejected step .*: 'kafka' names nothing in the system 'reference-platform': write 'service' or 'system' for the whole system`,
    ),
  );
  assert.match(
    problems,
    new RegExp(
      `${file}:9: rejected step .*: 'postgres' does not coordinate the workers .*: it has no link to worker-1, worker-2, worker-3; coordinators of the workers \\(services with a link to every member\\): controller`,
    ),
  );
  assert.match(problems, new RegExp(`${file}:10: rejected step .*: 'banana' names no member of a group`));
  assert.match(
    problems,
    new RegExp(
      `${file}:15: rejected step .*: 'pizza orders' is not an operation of this system: write one of "document conversion requests"`,
    ),
  );
  assert.match(
    problems,
    new RegExp(
      `${file}:11: rejected step .*: 'worker-1' is one member of the workers; this step speaks of the members the fault struck: say 'workers' or 'worker'`,
    ),
  );
});

test("the scale is the scenario's to choose, but a fault cannot strike more members than it started", async () => {
  const file = feature('counts.feature', [
    'Feature: counts',
    '',
    '  Scenario: nine',
    '    Given a healthy controller with 9 registered workers',
    '    When the network between the controller and 7 of its workers is partitioned for 2 seconds',
    '',
    '  Scenario: five',
    '    Given a healthy controller with 5 registered workers',
    '    When the network between the controller and 7 of its workers is partitioned for 2 seconds',
    '',
  ]);
  const { code, stdout } = await faultline(['plan', '--json', file]);
  assert.equal(code, 1, stdout);
  const plan = JSON.parse(stdout) as Plan;
  assert.equal(
    plan.scenarios[0]?.faults[0]?.blastRadius,
    '7 of 9 workers (77.78%): unreachable from the coordinator',
  );
  assert.deepEqual(
    plan.problems.map((p) => [p.line, p.problem, p.message]),
    [
      [
        9,
        'rejected',
        'cannot strike 7 of 5 workers: choose between 1 and 5, or start more in the steady-state step',
      ],
    ],
  );
});

test('a feature whose words the system has plans with exit 0', async () => {
  const file = feature('good.feature', [
    'Feature: good words',
    '',
    '  Scenario: all roles',
    '    Given a healthy controller with 4 registered workers',
    "    When 2 of the controller's workers respond 1 second slower",
    '    And the network between controller and worker-3 is partitioned for 2 seconds',
    '    And the link from controller to redis is slowed by 100ms',
    '    And postgres is killed with SIGKILL for 1 second',
    '    Then the controller opens the breaker of the slow worker',
    '    And traffic shifts away from the slow worker',
    '    And the controller retries on an alternate worker',
    '    And the controller detects the latency within 5 seconds',
    '    And the service recovers within 5 seconds',
    '    And the system recovers within 5 seconds',
    '',
  ]);
  const { code, stdout } = await faultline(['plan', '--json', file]);
  assert.equal(code, 0, stdout);
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(
    plan.scenarios[0]?.faults.map((f) => f.blastRadius),
    [
      '2 of 4 workers (50%): answers arrive late',
      '1 of 4 workers (25%): cut off from controller',
      'controller: answers from redis arrive late',
      'postgres: process killed',
    ],
  );
});

test('another system, selected by FAULTLINE_CONFIG, supplies its own words', async () => {
  const file = feature('counter.feature', [
    'Feature: counter words',
    '',
    '  Scenario: links',
    '    Given the system is running with 2 apis',
    '    When the network between api and sessions is partitioned for 2 seconds',
    '    And the link from redis to api is slowed by 200ms',
    '    Then the api recovers within 3 seconds',
    '',
  ]);
  const config = { FAULTLINE_CONFIG: 'fixtures/counter/faultline.config.ts' };
  const { code, stdout } = await faultline(['plan', '--json', file], config);
  assert.equal(code, 1, stdout);
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(
    plan.problems.map((p) => [p.line, p.message]),
    [
      [
        4,
        "'apis' is not a group of the system 'counter'; its groups: none (a service declared with replicas or a group makes one) ('api' is a single service: declare it with replicas or a group to start several)",
      ],
      [6, "redis has no link to api in the system 'counter'; links of redis: api → redis"],
    ],
  );
  assert.equal(plan.scenarios[0]?.faults[0]?.blastRadius, 'api ↔ sessions: unreachable from each other');
  // The reference platform's words mean nothing to it: the planner has none of its own.
  const platform = feature('platform-on-counter.feature', [
    'Feature: wrong system',
    '',
    '  Scenario: x',
    '    Given a healthy controller with 3 registered workers',
    '',
  ]);
  const wrong = await faultline(['plan', platform], config);
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stdout,
    /:4: rejected .*'workers' is not a group of the system 'counter'.*; and 'controller' is not a service of the system 'counter'; its services: redis, sessions, api/,
  );
});

test('a config that does not load is one problem at the config; exit 1', async () => {
  const { code, stdout } = await faultline(['plan', 'features/network'], {
    FAULTLINE_CONFIG: 'nowhere.config.ts',
  });
  assert.equal(code, 1, stdout);
  assert.match(stdout, /\nnowhere\.config\.ts:1: system: FAULTLINE_CONFIG=nowhere\.config\.ts: no such file/);
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
