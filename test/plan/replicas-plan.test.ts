import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Plan } from '../../support/plan/plan.ts';
import { faultline } from './cli.ts';

// `faultline plan` on the replicas feature: each replica fault with its targets, duration and blast radius;
// a replica index or a primary without replicas refused at its line; nothing started.

const dir = mkdtempSync(join(tmpdir(), 'faultline-replicas-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the plan of the replicas feature lists the replica failure and the failover, touching nothing', async () => {
  const scratch = mkdtempSync(join(dir, 'tmp-'));
  const { code, stdout, stderr } = await faultline(
    ['plan', '--json', 'features/dependencies/replicas.feature'],
    {
      TMPDIR: scratch,
      FAULTLINE_PG_BIN: '/nonexistent',
    },
  );
  assert.equal(code, 0, stderr);
  assert.deepEqual(readdirSync(scratch), [], 'nothing was started');
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(plan.problems, []);
  const [failure, failover] = plan.scenarios;
  assert.deepEqual(failure?.system, ['controller with 2 workers, postgres with 2 streaming replicas']);
  assert.equal(failure?.faults[0]?.fault, 'replica failure (SIGKILL)');
  assert.equal(failure?.faults[0]?.duration, '3 s, then rejoins and catches up');
  assert.equal(
    failure?.faults[0]?.blastRadius,
    '1 of 2 postgres-replicas (50%): each stops streaming from the primary and misses its writes',
  );
  assert.match(failover?.faults[0]?.fault ?? '', /failover: primary SIGKILL, replica promoted/);
  assert.match(failover?.faults[0]?.blastRadius ?? '', /every service linked to it: controller/);
});

test('a replica that does not exist and a primary without replicas are refused at their line', async () => {
  const feature = join(dir, 'm.feature');
  writeFileSync(
    feature,
    [
      'Feature: m',
      '',
      '  Scenario: a',
      '    Given a healthy controller with 1 registered workers and 1 postgres replica',
      '    When the postgres replica 3 fails for 2 seconds',
      '',
      '  Scenario: b',
      '    Given a healthy controller with 1 registered workers',
      '    When the postgres primary is killed and a replica is promoted',
      '',
    ].join('\n'),
  );
  const { code, stdout } = await faultline(['plan', '--json', feature]);
  assert.notEqual(code, 0);
  const plan = JSON.parse(stdout) as Plan;
  const problems = plan.problems.map((p) => `${p.line}: ${p.message}`);
  assert.equal(problems.length, 2, problems.join('\n'));
  assert.match(problems[0]!, /^5: .*postgres has no replica 3: its replicas are postgres-replica-1/);
  assert.match(problems[1]!, /^9: .*'postgres' has no replicas in this scenario/);
});
