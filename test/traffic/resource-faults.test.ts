import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';
import { outcomes } from './outcomes.ts';

// Resource faults aimed at a worker the reference platform does not use while they hold (no client sends
// anything, the workers' gossip is off): each scenario fails as an invalid experiment — after the fault
// proved itself in place (the quota, the cap, the held memory, the lowered limit read back), so it is the
// system's missing use of the service, not a missing fault, that fails it.

const dir = mkdtempSync(join(tmpdir(), 'faultline-resource-traffic-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a resource fault on a service the system did not use fails its scenario as an invalid experiment', {
  timeout: 300_000,
}, async () => {
  const messages = join(dir, 'messages.ndjson');
  const { code, output } = await runCucumber(
    [
      'test/traffic/resource-faults.feature',
      '--import',
      'test/traffic/quiet.steps.ts',
      '--format',
      `message:${messages}`,
    ],
    { FAULTLINE_REPORTS_DIR: join(dir, 'reports'), FAULTLINE_PLATFORM_PEER_GOSSIP_INTERVAL_MS: '0' },
  ).done;
  assert.equal(code, 1, `the invalid experiments fail the run\n${output.slice(0, 4000)}`);
  const scenarios = outcomes(messages);
  assert.equal(scenarios.size, 4, [...scenarios.keys()].join(', '));
  const expected = [
    /^FAILED: Error: fault had no effect: the system never pushed against the quota: worker-1 used [\d.]+% of a CPU per wall second over [\d.]+ s under the 100% quota, throttled in 0 periods/,
    /^FAILED: Error: fault had no effect: the system never reached the memory limit: worker-1: used up to [\d.]+ [KM]B, hit the limit 0 times, 0 OOM kills/,
    /^FAILED: Error: fault had no effect: no traffic of the system crossed .*worker-2.* while it held/,
    /^FAILED: Error: fault had no effect: no traffic of the system crossed .*worker-2.* while it held/,
  ];
  for (const [i, [name, { failures }]] of [...scenarios].entries()) {
    assert.equal(failures.length, 1, `${name}: ${failures.join('\n')}`);
    assert.match(failures[0]!.split('\n')[0]!, expected[i]!, name);
  }
});
