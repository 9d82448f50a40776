import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operationKind, planFromWords } from '../../support/load/phrases.ts';
import { DEFAULT_COUNT_TIME_LIMIT_MS, timeLimitOf, validatePlan } from '../../support/load/plan.ts';

test('a plan must be bounded and meaningful', () => {
  const ok = { shape: { loop: 'closed', clients: 2 }, durationMs: 100, timeoutMs: 50 } as const;
  validatePlan(ok);
  assert.throws(() => validatePlan({ ...ok, durationMs: undefined }), /needs a duration, a count, or both/);
  assert.throws(
    () => validatePlan({ ...ok, shape: { loop: 'closed', clients: 0 } }),
    /whole number of clients/,
  );
  assert.throws(
    () => validatePlan({ ...ok, shape: { loop: 'open', ratePerSecond: 0, maxInFlight: 1 } }),
    /rate > 0/,
  );
  assert.throws(() => validatePlan({ ...ok, count: 1.5 }), /count 1.5/);
  assert.throws(() => validatePlan({ ...ok, timeoutMs: 0 }), /timeout/);
});

test('the time limit covers the offer plus one timeout; a closed loop with only a count gets the default', () => {
  assert.equal(
    timeLimitOf({ shape: { loop: 'closed', clients: 1 }, durationMs: 5_000, timeoutMs: 2_000 }),
    8_000,
  );
  assert.equal(
    timeLimitOf({ shape: { loop: 'open', ratePerSecond: 10, maxInFlight: 5 }, count: 20, timeoutMs: 1_000 }),
    4_000,
  );
  assert.equal(
    timeLimitOf({ shape: { loop: 'closed', clients: 1 }, count: 5, timeoutMs: 1_000 }),
    DEFAULT_COUNT_TIME_LIMIT_MS,
  );
});

test('step words become plans, and wrong words say what is accepted', () => {
  assert.deepEqual(planFromWords({ clients: '20', duration: '30 seconds' }), {
    shape: { loop: 'closed', clients: 20 },
    durationMs: 30_000,
    count: undefined,
    timeoutMs: 30_000,
  });
  const open = planFromWords({ rate: '50', duration: '10s', timeout: '2 s' });
  assert.deepEqual(open.shape, { loop: 'open', ratePerSecond: 50, maxInFlight: 100 });
  assert.equal(open.timeoutMs, 2_000);
  // "100 concurrent clients … at 100 requests per second": the clients cap what is in flight.
  const shared = planFromWords({ clients: 100, rate: '100', duration: '10 seconds' });
  assert.deepEqual(shared.shape, { loop: 'open', ratePerSecond: 100, maxInFlight: 100 });
  assert.throws(() => planFromWords({ clients: '20' }), /say how much load/);
  assert.throws(() => planFromWords({ clients: '20', duration: '30 parsecs' }), /not a duration/);
  assert.throws(() => planFromWords({ rate: 'fast', count: '5' }), /'fast' is not a rate/);
  assert.throws(() => planFromWords({ clients: '0', count: '5' }), /not a number of clients/);
});

test('operation words: the plural of a known operation', () => {
  const known = ['document conversion request'];
  assert.equal(operationKind('document conversion requests', known), 'document conversion request');
  assert.equal(operationKind('document conversion request', known), 'document conversion request');
  assert.throws(
    () => operationKind('pizzas', known),
    /'pizzas' is not an operation of this system: write one of "document conversion requests"/,
  );
});

test('a size before an operation goes to its payload; a count stays a count', async () => {
  const { sizedOperation } = await import('../../support/load/phrases.ts');
  assert.deepEqual(sizedOperation('512 KB document conversion requests'), {
    words: 'document conversion requests',
    sizeBytes: 512_000,
  });
  assert.deepEqual(sizedOperation('1.5 MB uploads'), { words: 'uploads', sizeBytes: 1_500_000 });
  assert.deepEqual(sizedOperation('order requests'), { words: 'order requests' });
  // The step's own pattern (the plan's vocabulary holds it, checked equal to the step definition's).
  const { VOCABULARY } = await import('../../support/plan/vocabulary.ts');
  const key = Object.keys(VOCABULARY).find((k) => k.startsWith('^(\\d+) concurrent clients'));
  const pattern = new RegExp(key!);
  const groups = (text: string) => text.match(pattern)?.slice(1, 5);
  assert.deepEqual(groups('4 concurrent clients start submitting 512 KB orders for 9 seconds'), [
    '4',
    'start submitting',
    undefined,
    '512 KB orders',
  ]);
  assert.deepEqual(groups('4 concurrent clients submit 100 512 KB orders'), [
    '4',
    'submit',
    '100',
    '512 KB orders',
  ]);
  assert.deepEqual(groups('4 concurrent clients submit 100 orders'), ['4', 'submit', '100', 'orders']);
});
