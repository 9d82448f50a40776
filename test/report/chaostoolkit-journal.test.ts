import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosToolkitJournal, experimentStatus } from '../../support/report/chaostoolkit-journal.ts';
import { buildJournal, type JournalScenario } from '../../support/report/journal.ts';

// The run journal's Chaos Toolkit fields (status, deviated, steady_states before/after/during, run,
// rollbacks, start/end/duration) beside faultline's own. Their shape is checked against the real chaoslib's
// journal in test/interop/chaostoolkit.test.ts; here, what each kind of scenario outcome becomes.

const scenario = (over: Partial<JournalScenario>): JournalScenario => ({
  feature: 'Partition',
  uri: 'features/network/partition.feature',
  family: 'network',
  name: 's',
  tags: ['@network'],
  status: 'passed',
  startedAt: '2026-12-06T20:00:00.000Z',
  endedAt: '2026-12-06T20:00:09.500Z',
  steadyStateBefore: { met: true, evidence: ['api → redis: redis probe answered in 2 ms'] },
  steadyStateAfter: { clean: true, problems: [] },
  faults: [
    {
      id: 1,
      kind: 'partition',
      description: 'network partition between api and redis',
      targets: ['redis'],
      state: 'undone',
      startedAt: '2026-12-06T20:00:02.000Z',
      stoppedAt: '2026-12-06T20:00:06.000Z',
      undo: 'undone',
      evidence: ['api → redis: probe answered in 2 ms before, no reply within 500 ms after'],
      traffic: { ok: true, evidence: 'api → redis: 3 connections accepted' },
    },
  ],
  phases: [],
  verdicts: [
    {
      check: 'error rate at baseline below 1%',
      pass: true,
      message: '0 of 40 failed',
      figures: { errors: 0 },
    },
  ],
  operations: null,
  seed: 7,
  backend: 'local',
  topology: null,
  ...over,
});

const broken = {
  check: 'p99 under fault below 3 s',
  pass: false,
  message: 'p99 4.2 s is not below 3 s',
  figures: {},
};

test('a scenario outcome in Chaos Toolkit words: completed, deviated, aborted, failed', () => {
  assert.deepEqual(experimentStatus(scenario({})), { status: 'completed', deviated: false });
  const deviated = scenario({ status: 'failed', error: 'p99 under fault below 3 s: …', verdicts: [broken] });
  assert.deepEqual(experimentStatus(deviated), { status: 'completed', deviated: true });
  const aborted = scenario({ status: 'failed', error: 'ABORTED: error rate 12% exceeded …' });
  assert.deepEqual(experimentStatus(aborted), { status: 'aborted', deviated: false });
  const invalid = scenario({
    status: 'failed',
    error: 'fault had no effect: no traffic …',
    verdicts: [broken],
  });
  assert.deepEqual(experimentStatus(invalid), { status: 'failed', deviated: false });
  const notUp = scenario({
    status: 'failed',
    error: 'steady state not reached',
    steadyStateBefore: { met: false, evidence: [] },
  });
  assert.deepEqual(experimentStatus(notUp), { status: 'failed', deviated: false });
});

test('the journal carries the Chaos Toolkit fields beside faultline’s own, per scenario and for the run', () => {
  const journal = buildJournal(
    [
      scenario({ name: 'ok' }),
      scenario({ name: 'slow', status: 'failed', error: 'p99 …', verdicts: [broken] }),
    ],
    {
      startedAt: '2026-12-06T20:00:00.000Z',
      endedAt: '2026-12-06T20:00:20.000Z',
      success: false,
      environment: {},
    },
  );
  assert.equal(journal.status, 'failed', 'faultline’s status keeps its meaning');
  assert.equal(journal.deviated, true);
  assert.equal(journal.duration, 20);
  assert.equal(journal.start, '2026-12-06T20:00:00.000Z');
  assert.equal(journal.steady_states.before?.steady_state_met, true);
  assert.equal(journal.steady_states.during.length, 2);
  assert.equal(journal.run.length, 2);
  assert.equal(journal.rollbacks.length, 2);
  const [ok, slow] = journal.scenarios;
  assert.equal(ok!.experiment_status, 'completed');
  assert.equal(ok!.status, 'passed');
  assert.equal(slow!.experiment_status, 'completed');
  assert.equal(slow!.deviated, true);
  assert.equal(slow!.steady_states.during[0]!.steady_state_met, false);
  assert.equal(slow!.steady_states.during[0]!.probes[0]!.status, 'failed');
  assert.deepEqual(ok!.run[0]!.output, [
    'api → redis: probe answered in 2 ms before, no reply within 500 ms after',
  ]);
  assert.deepEqual(ok!.rollbacks[0]!.output, ['undone', 'traffic: api → redis: 3 connections accepted']);
  assert.equal(ok!.duration, 9.5);

  const file = chaosToolkitJournal(slow!, {});
  assert.equal(file.status, 'completed');
  assert.equal(file.deviated, true);
  assert.equal(file.experiment.title, 'slow');
  assert.deepEqual(file.experiment.tags, ['network']);
});
