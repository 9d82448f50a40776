import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkOrder, orderVerdict, UndeclaredOrder } from '../../support/checks/consistency/order.ts';
import type { RecordedEffect } from '../../support/checks/consistency/tally.ts';
import { statusOf } from '../../support/checks/verdict.ts';
import type { Operation } from '../../support/load/history.ts';
import { op } from './synthetic.ts';

// Per-key order against real time. An operation acknowledged before another was invoked must be applied
// before it on their key; concurrent ones may go either way; unacknowledged ones precede nothing.

const applied = (key: string, ...ids: string[]): RecordedEffect[] => ids.map((id, seq) => ({ id, key, seq }));
const order = (ops: Operation[], effects: RecordedEffect[]) =>
  orderVerdict(checkOrder('update', ops, effects));

// a: 0–10, b: 20–30, c: 40–50 — strictly one after the other.
const sequential = [op('a', 0, 10), op('b', 20, 10), op('c', 40, 10)];

test('applied in real-time order: pass, with how many operations the order constrained', () => {
  const v = order(sequential, applied('k', 'a', 'b', 'c'));
  assert.equal(statusOf(v), 'pass', v.message);
  assert.equal(v.figures.constrained, 2);
  assert.match(
    v.message,
    /^3 update\(s\) applied over 1 key\(s\), 2 of them after an acknowledged one of their key: every key applied in real-time order$/,
  );
});

test('a later operation applied before one acknowledged earlier fails, naming both and the gap', () => {
  const v = order(sequential, applied('k', 'a', 'c', 'b'));
  assert.equal(statusOf(v), 'fail');
  assert.match(
    v.message,
    /1 applied out of real-time order: key k: c \(seq 1\) applied before b \(seq 2\), though b was acknowledged 10 ms before c was invoked$/,
  );
  assert.deepEqual(v.figures.reordered, [
    'key k: c (seq 1) applied before b (seq 2), though b was acknowledged 10 ms before c was invoked',
  ]);
});

test('concurrent operations may be applied in either order', () => {
  const overlapping = [op('a', 0, 30), op('b', 10, 30), op('c', 100, 10)];
  assert.equal(statusOf(order(overlapping, applied('k', 'b', 'a', 'c'))), 'pass');
  assert.equal(statusOf(order(overlapping, applied('k', 'a', 'b', 'c'))), 'pass');
});

test('an unacknowledged operation precedes nothing: its effect may land at any time', () => {
  const ops = [op('u', 0, 10, 'unknown'), op('b', 20, 10), op('c', 40, 10)];
  assert.equal(statusOf(order(ops, applied('k', 'b', 'c', 'u'))), 'pass');
  // ... but it is still constrained by what was acknowledged before it was invoked.
  const late = [op('a', 0, 10), op('u', 20, 10, 'unknown')];
  assert.equal(statusOf(order(late, applied('k', 'u', 'a'))), 'fail');
});

test('keys are independent: order across keys is not judged', () => {
  const effects = [...applied('x', 'b'), ...applied('y', 'a'), { id: 'c', key: 'x', seq: 5 }];
  const v = order(sequential, effects);
  assert.equal(statusOf(v), 'pass', v.message);
  assert.equal(v.figures.keys, 2);
  assert.equal(v.figures.constrained, 1);
});

test('an operation applied twice is judged by its first application; effects of ids never attempted are left to the set', () => {
  const effects = [
    ...applied('k', 'a', 'b', 'c'),
    { id: 'a', key: 'k', seq: 9 },
    { id: 'ghost', key: 'k', seq: 1 },
  ];
  assert.equal(statusOf(order(sequential, effects)), 'pass');
});

test('no operation following an acknowledged one of its key proves nothing: UNKNOWN', () => {
  const concurrent = [op('a', 0, 30), op('b', 10, 30)];
  const v = order(concurrent, applied('k', 'b', 'a'));
  assert.equal(statusOf(v), 'unknown');
  assert.match(v.message, /no operation of a key followed an acknowledged one/);
  assert.equal(statusOf(order([], [])), 'unknown');
  // One operation per key: nothing can be out of order.
  assert.equal(
    statusOf(order(sequential, [...applied('x', 'a'), ...applied('y', 'b'), ...applied('z', 'c')])),
    'unknown',
  );
});

test('records without key or seq: an error naming what to declare, and the step that needs none', () => {
  assert.throws(
    () => checkOrder('update', sequential, [{ id: 'a', key: 'k' }, { id: 'b' }]),
    (error: unknown) =>
      error instanceof UndeclaredOrder &&
      /records of update carry no key and seq for 2 effect\(s\) \(a, b\)/.test(error.message) &&
      /Declare them in records\['update'\]\.effects/.test(error.message) &&
      /"every acknowledged update is present after the heal"/.test(error.message),
  );
});

test('10,000 operations over 100 keys are judged in well under a second', () => {
  const ops: Operation[] = [];
  const effects: RecordedEffect[] = [];
  for (let i = 0; i < 10_000; i++) {
    ops.push(op(`o${i}`, i * 10, 5));
    effects.push({ id: `o${i}`, key: `k${i % 100}`, seq: i });
  }
  const started = performance.now();
  const v = order(ops, effects);
  assert.ok(performance.now() - started < 1_000);
  assert.equal(statusOf(v), 'pass');
  assert.equal(v.figures.constrained, 9_900);
});
