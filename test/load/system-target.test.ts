import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment } from '../../support/env/environment.ts';
import { runLoad } from '../../support/load/generator.ts';
import { durationOf, History, type Operation } from '../../support/load/history.ts';
import { systemTarget, UnknownOperationError } from '../../support/load/system-target.ts';
import { seeded } from '../../support/random.ts';
import type { OperationContext, System } from '../../support/system/system.ts';

// A system whose one operation the test scripts: the generator must drive it like any other target.
function fakeSystem(operation: (ctx: OperationContext) => Promise<Operation>): System {
  return {
    topology: { name: 'fake', services: [], links: [], probes: {} },
    operations: { 'thing request': operation },
    healthyMembers: async () => [],
    audit: async () => [],
    events: {},
  };
}
const env = {} as Environment;
let counter = 0;
const options = (system: System) => ({
  system,
  env,
  kind: 'thing request',
  nextId: (kind: string) => `${kind.replace(/ /g, '-')}-${++counter}`,
  random: () => seeded(1),
});

test("a system's operation is driven with the world's ids, and its report kept under the generator's clock", async () => {
  const seen: string[] = [];
  const system = fakeSystem(async ({ id }) => {
    seen.push(id);
    await new Promise((r) => setTimeout(r, 5));
    return {
      kind: 'thing request',
      id,
      invokedAt: 0,
      completedAt: 1, // the adapter's millisecond clock: replaced by the generator's
      outcome: id.endsWith('3') ? 'fail' : 'ok',
      status: id.endsWith('3') ? 502 : 200,
      servedBy: 'w2',
      attempts: [{ target: 'w1', outcome: 'timeout', startedAt: 0, endedAt: 1 }],
    };
  });
  const history = new History();
  const run = await runLoad(
    { shape: { loop: 'closed', clients: 2 }, count: 6, timeoutMs: 1_000 },
    systemTarget(options(system)),
    { record: (op) => history.record(op) },
  );
  assert.equal(history.operations.length, 6);
  assert.deepEqual(new Set(history.operations.map((op) => op.id)), new Set(seen));
  for (const op of run.operations) {
    assert.equal(op.kind, 'thing request');
    assert.ok(op.invokedAt > 1_000_000 && durationOf(op) >= 4, 'timestamps are the generator’s');
    assert.equal(op.servedBy, 'w2');
    assert.equal(op.attempts.length, 1);
  }
  assert.equal(run.operations.filter((op) => op.outcome === 'fail' && op.status === 502).length, 1);
});

test('an operation that never answers is unknown after the timeout; one that throws is unknown too', async () => {
  const hang = fakeSystem(() => new Promise<Operation>(() => {}));
  const hung = await runLoad(
    { shape: { loop: 'closed', clients: 1 }, count: 2, timeoutMs: 100 },
    systemTarget(options(hang)),
  );
  assert.equal(hung.operations.length, 2);
  for (const op of hung.operations) {
    assert.equal(op.outcome, 'unknown');
    assert.match(op.error ?? '', /no answer within 100 ms/);
    assert.ok(durationOf(op) >= 99 && durationOf(op) < 400);
  }
  const boom = fakeSystem(async () => {
    throw new Error('adapter bug');
  });
  const thrown = await runLoad(
    { shape: { loop: 'closed', clients: 1 }, count: 1, timeoutMs: 100 },
    systemTarget(options(boom)),
  );
  assert.equal(thrown.operations[0]?.outcome, 'unknown');
  assert.match(thrown.operations[0]?.error ?? '', /the client threw: adapter bug/);
});

test('an operation the system does not have is refused with the ones it has', () => {
  const system = fakeSystem(async () => {
    throw new Error('unused');
  });
  assert.throws(
    () => systemTarget({ ...options(system), kind: 'pizza order' }),
    (error: Error) =>
      error instanceof UnknownOperationError && /'pizza order'.*known: thing request/.test(error.message),
  );
});
