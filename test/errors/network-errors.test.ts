import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { ROOT, runCucumber } from '../features/cucumber-run.ts';

// Malformed network fault steps in a real cucumber run against the running reference platform: each fails
// at its feature file and line, naming the bad words and what is accepted, and nothing is applied (the
// scenario's fault ledger stays empty and the rollback check finds the proxy clean).

const dir = mkdtempSync(join(tmpdir(), 'faultline-network-errors-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const feature = join(dir, 'network-mistakes.feature');
const MISTAKES: [string, RegExp][] = [
  [
    'the link from controller to worker-1 has 150% packet loss',
    /'150% packet loss': write a packet loss between 0% and 100%, e\.g\. 5% packet loss/,
  ],
  [
    'the link from controller to worker-1 is hit by a latency bomb from 5 s to 10 ms',
    /'a latency bomb from 5 s to 10 ms': the lower bound must come first, e\.g\. a latency bomb from 10 ms to 5 s/,
  ],
  [
    'kafka is unreachable',
    /'kafka' is neither a service nor a group of the system 'reference-platform'; its services: redis, postgres, controller, worker-1, worker-2/,
  ],
  [
    'the link from redis to controller is refused',
    /redis has no link to controller in the system 'reference-platform'; links of redis: controller → redis/,
  ],
  [
    'the link from controller to worker-1 is limited to 1.5 KB/s',
    /'limited to 1\.5 KB\/s': the fault proxy takes a whole number of KB\/s of at least 1, got 1\.5/,
  ],
  [
    'the link from controller to worker-1 is flapping every 1 s',
    /'flapping every 1 s' needs how long it flaps: write '… is flapping every 1 s for 4 seconds'/,
  ],
  [
    // The workers gossip with each other, so they can be split; redis is one service, not a group (a
    // group whose members never talk to each other is refused by name in test/support/split-brain.test.ts).
    'the redis is split into two halves',
    /'redis' is not a group of the system 'reference-platform'; its groups: workers \(members worker-1, worker-2; .*\)/,
  ],
];
const lines = ['Feature: network mistakes', ''];
const at: number[] = [];
for (const [step] of MISTAKES) {
  at.push(lines.length + 1);
  lines.push(`  Scenario: ${step}`, '    Given the system is running with 2 workers', `    When ${step}`, '');
}
writeFileSync(feature, lines.join('\n'));

test('malformed network fault steps: file:line, the bad words, what is accepted; nothing applied', async () => {
  const reports = join(dir, 'reports');
  const { code, output } = await runCucumber([feature], { FAULTLINE_REPORTS_DIR: reports }).done;
  assert.equal(code, 1, 'mistakes fail the run');
  const shown = relative(ROOT, feature);
  MISTAKES.forEach(([step, message], i) => {
    const start = output.indexOf(`${shown}:${at[i]}`);
    assert.ok(start >= 0, `${shown}:${at[i]} is reported\n${output}`);
    assert.match(output.slice(start, start + 1500), message, step);
  });
  assert.match(output, new RegExp(`${MISTAKES.length} scenarios \\(${MISTAKES.length} failed\\)`));
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as {
    scenarios: { name: string; faults: unknown[]; steadyStateAfter?: { clean: boolean } }[];
  };
  for (const scenario of journal.scenarios) {
    assert.deepEqual(scenario.faults, [], `${scenario.name}: nothing applied`);
    assert.equal(scenario.steadyStateAfter?.clean, true, scenario.name);
  }
});
