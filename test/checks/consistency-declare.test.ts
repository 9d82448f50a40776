import assert from 'node:assert/strict';
import { test } from 'node:test';
import { settle } from '../../steps/judge.ts';
import { compareEffects } from '../../support/checks/consistency/effects.ts';
import { UndeclaredOrder } from '../../support/checks/consistency/order.ts';
import { ReadBackError, reading } from '../../support/checks/consistency/read-back.ts';
import { setVerdict } from '../../support/checks/consistency/set.ts';
import type { RecordedEffect } from '../../support/checks/consistency/tally.ts';
import { statusOf } from '../../support/checks/verdict.ts';
import { defineSystem, type SystemDeclaration, service } from '../../support/system/declare.ts';
import { ConfigError, instantiate } from '../../support/system/instantiate.ts';
import { requireRecords } from '../../support/system/system.ts';
import { op } from './synthetic.ts';

// How a system declares its records (per operation), the errors when it does not, and reading back until
// the effects settle.

const api = service('api', { command: ['node', 'api.ts'] });
const build = (extra: Record<string, unknown>) =>
  instantiate(
    defineSystem({
      services: [api],
      operations: { 'order request': async () => op('x', 0, 1), 'refund request': async () => op('y', 0, 1) },
      ...extra,
    } as SystemDeclaration),
    {},
    { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' },
  );

test('records are checked where declared: shape, and an operation the system has', () => {
  assert.throws(
    () => build({ records: { 'order request': { read: async () => [] } } }),
    (e: Error) => e instanceof ConfigError && /systems\.shop\.records\.order request/.test(e.message),
  );
  assert.throws(
    () => build({ records: { 'oder request': { effects: async () => [] } } }),
    /systems\.shop\.records\.oder request: no operation is called 'oder request'; records are keyed by the system's operations: order request, refund request/,
  );
  assert.throws(
    () => build({ billing: async () => ({}) }),
    /systems\.shop\.billing: not a field of a system \(it is now called `records`\)/,
  );
  assert.throws(
    () => build({ records: { 'order request': { effects: async () => [], failed: 'sometimes' } } }),
    /systems\.shop\.records\.order request\.failed: expected failed: 'at-most-once' or 'never'/,
  );
  const effects = async () => [];
  assert.equal(
    requireRecords(build({ records: { 'order request': { effects } } }), 'order request', 's').effects,
    effects,
  );
});

test('a step over an operation with no records names what to declare', () => {
  assert.throws(
    () =>
      requireRecords(
        build({}),
        'order request',
        '"every acknowledged order request is present after the heal"',
      ),
    /"every acknowledged order request is present after the heal" needs the system to declare `records` \(how to read back what each operation did/,
  );
  assert.throws(
    () =>
      requireRecords(
        build({ records: { 'order request': { effects: async () => [] } } }),
        'refund request',
        '"every acknowledged refund request is consumed exactly once"',
      ),
    /needs the system to declare how to read back what a refund request did: `records\['refund request'\]`; the system 'shop' declares records for: order request\. Add records: \{ 'refund request': \{ effects\(env, since, ids\) \{ … \} \} \}/,
  );
});

const judgeSet = (effects: readonly RecordedEffect[]) =>
  setVerdict(compareEffects('write', [op('a', 0, 1)], effects));

const until = (ms: number) => ({ until: Date.now() + ms, everyMs: 10, waiting: true });

test('effects applied after the acknowledgement are waited for, up to the bound', async () => {
  let reads = 0;
  const late = async () => (++reads >= 3 ? [{ id: 'a' }] : []);
  const v = await settle(reading('c', late, judgeSet), until(2_000));
  assert.equal(statusOf(v), 'pass', v.message);
  assert.equal(reads, 3);
});

test('a lost write stays lost once the bound is over: the last read is judged', async () => {
  let reads = 0;
  const v = await settle(
    reading(
      'c',
      async () => {
        reads += 1;
        return [];
      },
      judgeSet,
    ),
    until(100),
  );
  assert.equal(statusOf(v), 'fail');
  assert.ok(reads >= 2);
});

test('a read-back that keeps failing is UNKNOWN with the error; a wrong declaration is an error at once', async () => {
  const failing = async (): Promise<RecordedEffect[]> => {
    throw new ReadBackError('write', new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  };
  const v = await settle(reading('c', failing, judgeSet), until(100));
  assert.equal(statusOf(v), 'unknown');
  assert.match(
    v.message,
    /could not read back what the system recorded: reading back the records of write failed: connect ECONNREFUSED/,
  );
  await assert.rejects(
    reading(
      'c',
      async () => [{ id: 'a' }],
      () => {
        throw new UndeclaredOrder('write', ['a']);
      },
    )(),
    UndeclaredOrder,
  );
});
