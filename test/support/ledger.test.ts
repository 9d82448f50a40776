import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultLedger } from '../../support/faults/ledger.ts';

const noop = async () => [];

test('undo is registered before apply, so a fault that throws half-way is still rolled back', async () => {
  const ledger = new FaultLedger();
  const undone: string[] = [];
  await assert.rejects(
    ledger.inject({
      kind: 'partition',
      description: 'half applied',
      targets: ['w1'],
      apply: async () => {
        throw new Error('proxy refused the second toxic');
      },
      undo: async () => {
        undone.push('half applied');
      },
    }),
  );
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(undone, ['half applied']);
});

test('rollback undoes newest first and reports every failed undo', async () => {
  const ledger = new FaultLedger();
  const order: string[] = [];
  for (const name of ['a', 'b', 'c'])
    await ledger.inject({
      kind: 'k',
      description: name,
      targets: [],
      apply: noop,
      undo: async () => {
        order.push(name);
        if (name !== 'b') throw new Error(`cannot undo ${name}`);
      },
    });
  const failures = await ledger.rollback();
  assert.deepEqual(order, ['c', 'b', 'a']);
  assert.equal(failures.length, 2);
  assert.match(failures[0]!, /fault #3 \(c\): undo failed: cannot undo c/);
  assert.equal(ledger.records[1]!.state, 'undone');
  assert.equal(ledger.records[0]!.state, 'undo-failed');
});

test('a fault with a duration heals by itself, once, and is time-stamped', async () => {
  const ledger = new FaultLedger();
  let undos = 0;
  const record = await ledger.inject({
    kind: 'k',
    description: 'short',
    targets: [],
    durationMs: 50,
    apply: noop,
    undo: async () => {
      undos += 1;
    },
  });
  assert.equal(record.state, 'active');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(record.state, 'undone');
  await ledger.rollback();
  assert.equal(undos, 1);
  assert.ok(record.stoppedAt! - record.startedAt! >= 50);
});
