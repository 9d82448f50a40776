import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coverageHtml, coverageMatrix, WHOLE_SYSTEM } from '../../support/report/coverage.ts';
import { propertiesText } from '../../support/report/environment.ts';
import { buildJournal, familyOf, type JournalScenario } from '../../support/report/journal.ts';

const topology = {
  name: 'reference-platform',
  services: [
    { name: 'redis' },
    { name: 'postgres' },
    { name: 'controller' },
    { name: 'worker-1', group: 'workers' },
    { name: 'worker-2', group: 'workers' },
  ],
};

const scenario = (over: Partial<JournalScenario>): JournalScenario => ({
  feature: 'f',
  uri: 'features/network/partition.feature',
  family: 'network',
  name: 's',
  tags: [],
  status: 'passed',
  steadyStateBefore: { met: true, evidence: [] },
  steadyStateAfter: { clean: true, problems: [] },
  faults: [],
  phases: [],
  verdicts: [],
  operations: null,
  seed: 7,
  backend: 'local',
  topology,
  ...over,
});

const fault = (kind: string, description: string, targets: string[]) => ({
  id: 1,
  kind,
  description,
  targets,
  state: 'undone' as const,
  undo: 'undone',
  evidence: [],
});

test('the family is the folder under features/', () => {
  assert.equal(familyOf('features/network/partition.feature'), 'network');
  assert.equal(familyOf('test/abort/fleet-partition.feature'), 'abort');
});

test('coverage: failure modes × services by role; a failed experiment does not cover its cell', () => {
  const matrix = coverageMatrix({
    scenarios: [
      scenario({ name: 'a', faults: [fault('partition', 'network partition', ['worker-1', 'worker-2'])] }),
      scenario({
        name: 'b',
        status: 'failed',
        faults: [fault('certificate', 'worker-1 presents a certificate that is expired', ['worker-1'])],
      }),
      scenario({ name: 'c', uri: 'features/data/duplicate-requests.feature', family: 'data' }),
      scenario({
        name: 'd',
        faults: [fault('certificate', 'worker-2 presents a certificate expiring in 3000 ms', ['worker-2'])],
      }),
    ],
  });
  assert.deepEqual(matrix.services, ['controller', 'postgres', 'redis', 'workers', WHOLE_SYSTEM]);
  const cell = (mode: string, service: string) =>
    matrix.cells.find((c) => c.mode === mode && c.service === service);
  assert.equal(cell('partition', 'workers')?.covered, true);
  assert.equal(cell('partition', 'workers')?.experiments.length, 1, 'one experiment, listed once');
  assert.equal(cell('certificate expired', 'workers')?.covered, false);
  assert.equal(cell('data (no injected fault)', WHOLE_SYSTEM)?.covered, true);
  assert.equal(cell('certificate expiring', 'workers')?.covered, true);
  assert.equal(cell('partition', 'redis'), undefined);
  const html = coverageHtml(matrix);
  assert.match(html, /id="coverage-matrix"/);
  assert.match(html, /no passing experiment/);
  assert.match(html, /3 of 4 exercised/);
});

test('the journal summarises the run and fails when any scenario failed', () => {
  const run = { startedAt: 'a', endedAt: 'b', success: true, environment: {} };
  const passed = buildJournal([scenario({})], run);
  assert.equal(passed.status, 'passed');
  assert.equal(passed.seed, 7);
  assert.deepEqual(passed.backends, ['local']);
  const failed = buildJournal([scenario({}), scenario({ status: 'failed' })], run);
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.summary, { scenarios: 2, passed: 1, failed: 1, other: 0 });
});

test('environment.properties escapes what Java properties treat specially', () => {
  assert.equal(
    propertiesText({ seed: '1', 'repeat with': 'FAULTLINE_SEED=1', redis: 'v=7.0 a:b' }),
    'seed=1\nrepeat\\ with=FAULTLINE_SEED\\=1\nredis=v\\=7.0 a\\:b\n',
  );
});
