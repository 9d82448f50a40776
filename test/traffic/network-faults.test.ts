import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';
import { outcomes } from './outcomes.ts';

// Every shape of network fault step, aimed at a link the reference platform's traffic does not use while it
// holds (controller → worker carries only conversions, and no client sends any): each scenario fails as an
// invalid experiment, one line naming the fault, the link and the zero figures — after the fault proved its
// effect through its probe, so it is the missing traffic, not a missing fault, that fails it.

const dir = mkdtempSync(join(tmpdir(), 'faultline-network-traffic-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a network fault on a link nothing crossed fails its scenario as an invalid experiment', async () => {
  const messages = join(dir, 'messages.ndjson');
  const { code, output } = await runCucumber(
    [
      'test/traffic/network-faults.feature',
      '--import',
      'test/traffic/quiet.steps.ts',
      '--format',
      `message:${messages}`,
    ],
    // The workers' peer gossip crosses every worker → worker link: off, so a link into a worker carries
    // nothing unless a client sends a conversion.
    { FAULTLINE_REPORTS_DIR: join(dir, 'reports'), FAULTLINE_PLATFORM_PEER_GOSSIP_INTERVAL_MS: '0' },
  ).done;
  assert.equal(code, 1, `the invalid experiments fail the run\n${output.slice(0, 4000)}`);
  const scenarios = outcomes(messages);
  assert.equal(scenarios.size, 7, [...scenarios.keys()].join(', '));
  for (const [name, { failures }] of scenarios) {
    assert.equal(failures.length, 1, `${name}: ${failures.join('\n')}`);
    assert.match(
      failures[0]!.split('\n')[0]!,
      /^FAILED: Error: fault had no effect: no traffic of the system crossed (worker-\d → worker-\d, )?controller → worker-\d while it held \((worker-\d → worker-\d: 0 connections accepted, 0 B from worker-\d, 0 B from worker-\d; )?controller → worker-\d: 0 connections accepted, 0 B from controller, 0 B from worker-\d(; [^)]*)? in \d+\.\d s\)(; flipped \d+ times? \([^)]*\))? — fault #1, /,
      name,
    );
  }
});
