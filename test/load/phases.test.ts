import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Operation } from '../../support/load/history.ts';
import { parsePhase, splitPhases } from '../../support/load/phases.ts';

const op = (id: string, invokedAt: number, intendedAt?: number): Operation => ({
  kind: 'k',
  id,
  invokedAt,
  completedAt: invokedAt + 10,
  outcome: 'ok',
  attempts: [],
  ...(intendedAt === undefined ? {} : { intendedAt }),
});
const fault = (startedAt: number, stoppedAt?: number): FaultRecord => ({
  id: 1,
  kind: 'partition',
  description: `partition at ${startedAt}`,
  targets: ['w1'],
  state: stoppedAt === undefined ? 'active' : 'undone',
  startedAt,
  ...(stoppedAt === undefined ? {} : { stoppedAt }),
  evidence: [],
});

test('fault timestamps split the history into baseline, under fault and recovery', () => {
  const ops = [op('a', 100), op('b', 989), op('c', 1000), op('d', 1500), op('e', 2000), op('f', 2500)];
  const phases = splitPhases(ops, [fault(1000, 2000)]);
  assert.deepEqual(
    phases.baseline.operations.map((o) => o.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    phases.fault.operations.map((o) => o.id),
    ['c', 'd'],
  );
  assert.deepEqual(
    phases.recovery.operations.map((o) => o.id),
    ['e', 'f'],
  );
  assert.equal(phases.run.operations.length, 6);
  assert.equal(phases.recovery.from, 2000);
});

test('the baseline holds only what the fault cannot have touched', () => {
  // Due just before the fault: one finished before it began; one was still in flight when it began; one
  // was queued behind slow ones and only sent once the fault had begun. The last two were exposed to it.
  const done = op('done', 985);
  const inFlight = op('in-flight', 995);
  const late = op('late', 1200, 990);
  const phases = splitPhases([done, inFlight, late], [fault(1000, 2000)]);
  assert.deepEqual(
    phases.baseline.operations.map((o) => o.id),
    ['done'],
  );
  assert.deepEqual(
    phases.fault.operations.map((o) => o.id),
    ['in-flight', 'late'],
  );
});

test('several faults form one window from the first start to the last stop', () => {
  const f2 = { ...fault(3000, 4000), id: 2 };
  const phases = splitPhases([op('gap', 2500), op('after', 4100)], [fault(1000, 2000), f2]);
  assert.deepEqual(
    phases.fault.operations.map((o) => o.id),
    ['gap'],
  );
  assert.deepEqual(
    phases.recovery.operations.map((o) => o.id),
    ['after'],
  );
});

test('without a fault everything is baseline, and the other windows say why they are empty', () => {
  const phases = splitPhases([op('a', 1)], []);
  assert.equal(phases.baseline.operations.length, 1);
  assert.equal(phases.fault.operations.length, 0);
  assert.match(phases.fault.absent ?? '', /no fault was injected/);
  const active = splitPhases([op('a', 1), op('b', 5000)], [fault(1000)]);
  assert.deepEqual(
    active.fault.operations.map((o) => o.id),
    ['b'],
  );
  assert.match(active.recovery.absent ?? '', /never removed.*partition at 1000/);
});

test('phase words', () => {
  assert.equal(parsePhase(undefined), 'run');
  assert.equal(parsePhase('under fault'), 'fault');
  assert.equal(parsePhase('At  Baseline'), 'baseline');
  assert.equal(parsePhase('during recovery'), 'recovery');
  assert.equal(parsePhase('after the fault'), 'recovery');
  assert.throws(
    () => parsePhase('in the middle'),
    /'in the middle' does not name a phase: write .*"under fault"/,
  );
});
