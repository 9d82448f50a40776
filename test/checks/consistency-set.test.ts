import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareEffects } from '../../support/checks/consistency/effects.ts';
import { setVerdict } from '../../support/checks/consistency/set.ts';
import { statusOf } from '../../support/checks/verdict.ts';
import { op } from './synthetic.ts';

// Jepsen's set checker over plain data: the client's history and the effects a system recorded. Every
// figure can be worked out by hand from the lists below.

const effects = (...ids: string[]) => ids.map((id) => ({ id }));
const set = (ops: Parameters<typeof compareEffects>[1], ids: string[], failed?: 'never') =>
  setVerdict(compareEffects('write', ops, effects(...ids), failed));

test('every acknowledged write present, unknown and failed either way: pass, with the figures', () => {
  const ops = [
    op('a', 0, 1),
    op('b', 0, 1),
    op('u1', 0, 1, 'unknown'),
    op('u2', 0, 1, 'unknown'),
    op('f', 0, 1, 'fail'),
  ];
  const v = set(ops, ['a', 'b', 'u1', 'f', 'a']);
  assert.equal(statusOf(v), 'pass', v.message);
  assert.match(
    v.message,
    /^5 write\(s\) attempted \(2 acknowledged, 2 unknown, 1 failed\), 4 present in the system's records \(2 of them not acknowledged: 1 failed, 1 unknown\): every acknowledged one present, none extra \(1 recorded more than once, which a set does not judge\)$/,
  );
  assert.deepEqual(v.figures.recovered, ['u1', 'f']);
  assert.deepEqual(v.figures.duplicated, ['a × 2']);
  assert.deepEqual(v.figures.lost, []);
});

test('a lost acknowledged write fails, naming it', () => {
  const v = set([op('a', 0, 1), op('b', 0, 1)], ['a']);
  assert.equal(statusOf(v), 'fail');
  assert.match(v.message, /1 acknowledged but lost: b$/);
  assert.deepEqual(v.figures.lost, ['b']);
});

test('a write present that no client of this run attempted is extra, and fails', () => {
  const v = set([op('a', 0, 1)], ['a', 'ghost']);
  assert.equal(statusOf(v), 'fail');
  assert.match(v.message, /1 present but never attempted by this run: ghost/);
  assert.deepEqual(v.figures.unexpected, ['ghost']);
});

test('a failed write present: counted by default, a violation where failures never take effect', () => {
  const ops = [op('a', 0, 1), op('f', 0, 1, 'fail', { status: 502 })];
  assert.equal(statusOf(set(ops, ['a', 'f'])), 'pass');
  const strict = set(ops, ['a', 'f'], 'never');
  assert.equal(statusOf(strict), 'fail');
  assert.match(strict.message, /1 present though the client was told they failed: f/);
});

test('an id re-submitted after a timeout and then acknowledged counts as acknowledged', () => {
  const ops = [op('r', 0, 1, 'unknown'), op('r', 10, 1, 'ok')];
  assert.equal(statusOf(set(ops, [])), 'fail');
  assert.equal(statusOf(set(ops, ['r'])), 'pass');
});

test('an empty set is never a pass: no acknowledged write is UNKNOWN, and still fails on extras', () => {
  const none = set([], []);
  assert.equal(statusOf(none), 'unknown');
  assert.equal(none.pass, false);
  assert.match(none.message, /no write was acknowledged, so nothing had to be present — nothing is proven/);
  assert.equal(statusOf(set([op('u', 0, 1, 'unknown'), op('f', 0, 1, 'fail')], ['u'])), 'unknown');
  assert.equal(statusOf(set([], ['ghost'])), 'fail');
});

test('a long list is cut in the message and complete in the figures', () => {
  const ops = Array.from({ length: 50 }, (_, i) => op(`w${i}`, 0, 1));
  const v = set(ops, []);
  assert.match(v.message, /50 acknowledged but lost: w0, w1, .*w19 and 30 more \(all in the figures\)/);
  assert.equal((v.figures.lost as string[]).length, 50);
});
