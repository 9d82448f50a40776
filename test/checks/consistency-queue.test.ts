import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareEffects } from '../../support/checks/consistency/effects.ts';
import { queueVerdict } from '../../support/checks/consistency/queue.ts';
import { statusOf } from '../../support/checks/verdict.ts';
import { op } from './synthetic.ts';

// Jepsen's queue checker, exactly once: every acknowledged enqueue consumed once; lost, duplicated and
// unexpected consumptions each named. Plain data.

const queue = (ops: Parameters<typeof compareEffects>[1], ids: string[], failed?: 'never') =>
  queueVerdict(
    compareEffects(
      'job',
      ops,
      ids.map((id) => ({ id, by: 'consumer-1' })),
      failed,
    ),
  );

test('each acknowledged enqueue consumed once; an unknown one consumed or not: pass', () => {
  const v = queue(
    [op('a', 0, 1), op('b', 0, 1), op('u', 0, 1, 'unknown'), op('f', 0, 1, 'fail')],
    ['a', 'b', 'u'],
  );
  assert.equal(statusOf(v), 'pass', v.message);
  assert.match(v.message, /every acknowledged one consumed exactly once, none twice, none unexpected$/);
  assert.equal(v.figures.acknowledged, 2);
  assert.equal(v.figures.present, 3);
});

test('lost, duplicated (whatever the outcome) and unexpected each fail, every id named', () => {
  const ops = [
    op('lost', 0, 1),
    op('twice', 0, 1),
    op('u-twice', 0, 1, 'unknown'),
    op('f-twice', 0, 1, 'fail'),
  ];
  const v = queue(ops, ['twice', 'twice', 'u-twice', 'u-twice', 'u-twice', 'f-twice', 'f-twice', 'ghost']);
  assert.equal(statusOf(v), 'fail');
  assert.match(v.message, /1 acknowledged but never consumed \(lost\): lost/);
  assert.match(
    v.message,
    /3 consumed more than once \(4 extra consumption\(s\)\): twice × 2, u-twice × 3, f-twice × 2/,
  );
  assert.match(v.message, /1 consumed but never enqueued by this run: ghost/);
  assert.deepEqual(v.figures.duplicated, ['twice × 2', 'u-twice × 3', 'f-twice × 2']);
  assert.deepEqual(v.figures.unexpected, ['ghost']);
});

test('a failed enqueue consumed once: allowed by default, a violation where failures never take effect', () => {
  const ops = [op('a', 0, 1), op('f', 0, 1, 'fail')];
  assert.equal(statusOf(queue(ops, ['a', 'f'])), 'pass');
  assert.match(
    queue(ops, ['a', 'f'], 'never').message,
    /1 consumed though the client was told they failed: f/,
  );
});

test('no acknowledged enqueue is UNKNOWN, never a pass', () => {
  const v = queue([op('f', 0, 1, 'fail')], []);
  assert.equal(statusOf(v), 'unknown');
  assert.match(v.message, /no job was acknowledged, so nothing had to be consumed — nothing is proven/);
  assert.equal(statusOf(queue([], [])), 'unknown');
});
