import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import { runCucumber } from '../features/cucumber-run.ts';
import { outcomes } from './outcomes.ts';

// The traffic proof end to end, on the local backend with the reference platform: a latency fault held on
// a controller → worker link while no client sends anything (the controller only talks to a worker to
// forward a conversion) fails its scenario as an invalid experiment, naming the link and its figures; the
// same fault while requests cross that link passes, and the fault timeline carries the figures.

const dir = mkdtempSync(join(tmpdir(), 'faultline-traffic-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a latency fault no traffic crossed is an invalid experiment; one the requests crossed is felt', async () => {
  const messages = join(dir, 'messages.ndjson');
  const t0 = Date.now();
  const { code, output } = await runCucumber(
    [
      'test/traffic/traffic-proof.feature',
      '--import',
      'test/traffic/quiet.steps.ts',
      '--format',
      `message:${messages}`,
    ],
    { FAULTLINE_REPORTS_DIR: join(dir, 'reports') },
  ).done;
  const took = Date.now() - t0;
  assert.equal(code, 1, `the invalid experiment fails the run\n${output.slice(0, 4000)}`);
  const scenarios = outcomes(messages);

  const idle = scenarios.get('A latency fault on a link no traffic crosses while it holds proves nothing');
  assert.ok(idle, [...scenarios.keys()].join(', '));
  assert.equal(idle.failures.length, 1, idle.failures.join('\n'));
  // One line for the one fault; it names the link and the zero figures it measured while the fault held.
  const message = idle.failures[0]?.split('\n')[0] ?? '';
  assert.match(
    message,
    /^FAILED: Error: fault had no effect: no traffic of the system crossed controller → worker-\d while it held \(controller → worker-\d: 0 connections accepted, 0 B from controller, 0 B from worker-\d in \d+\.\d s\) — fault #1, 300 ms latency on worker-\d's responses to controller$/,
  );
  const idleFault = JSON.parse(idle.files.get('fault-timeline.json') ?? '{}') as { faults?: FaultRecord[] };
  const [idleEntry] = idleFault.faults ?? [];
  assert.equal(idleEntry?.state, 'undone', 'healed on its timer, before the scenario ended');
  assert.equal(idleEntry?.felt?.ok, false);
  assert.match(idleEntry?.evidence.at(-1) ?? '', /^traffic: no traffic of the system crossed/);

  const used = scenarios.get('A latency fault on a link the requests cross is felt');
  assert.ok(used);
  assert.deepEqual(used.failures, [], 'the fault the requests crossed passes');
  const usedFault = JSON.parse(used.files.get('fault-timeline.json') ?? '{}') as { faults?: FaultRecord[] };
  const [usedEntry] = usedFault.faults ?? [];
  assert.equal(usedEntry?.felt?.ok, true, usedEntry?.felt?.evidence);
  assert.match(
    usedEntry?.felt?.evidence ?? '',
    /crossed the faulted link while it held: controller → worker-\d: \d+ connections? accepted, [\d.]+ (B|KiB|MiB) from controller/,
  );
  assert.ok(took < 60_000, `the run took ${took} ms`);
});
