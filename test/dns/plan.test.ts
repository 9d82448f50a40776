import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Plan } from '../../support/plan/plan.ts';
import { faultline } from '../plan/cli.ts';

// `faultline plan features/dns`: each DNS fault listed with its targets (the service's lookups of the name),
// its duration and its blast radius, without starting anything.

const dir = mkdtempSync(join(tmpdir(), 'faultline-dns-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the plan lists every DNS fault with its targets, duration and blast radius, starting nothing', async () => {
  const scratch = mkdtempSync(join(dir, 'tmp-'));
  const { code, stdout, stderr } = await faultline(['plan', '--json', 'features/dns'], { TMPDIR: scratch });
  assert.equal(code, 0, stderr);
  assert.deepEqual(readdirSync(scratch), [], 'nothing was started: no temp dir');
  const plan = JSON.parse(stdout) as Plan;
  assert.deepEqual(plan.problems, []);
  const faults = plan.scenarios.flatMap((s) => s.faults.map((f) => ({ scenario: s.name, ...f })));
  assert.deepEqual(
    faults.map((f) => f.fault),
    ['DNS NXDOMAIN', 'DNS SERVFAIL', 'DNS no answer (queries dropped)'],
  );
  for (const f of faults) {
    assert.equal(f.targets, "controller's lookups of postgres.faultline");
    assert.equal(f.duration, '3 s, then heals');
    assert.equal(
      f.blastRadius,
      'controller: cannot resolve postgres.faultline (new connections to postgres fail; open ones are untouched)',
    );
    assert.equal(f.line, 12);
  }
});
