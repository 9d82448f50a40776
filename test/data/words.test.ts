import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  everyMalformedRejected,
  memoryWithin,
  noMalformedCharged,
  staysHealthy,
} from '../../support/checks/malformed.ts';
import type { Flood } from '../../support/data/flood.ts';
import type { MalformedAnswer } from '../../support/data/send.ts';
import { malformedCount, malformedKinds } from '../../support/data/words.ts';
import { StepInputError } from '../../support/parse.ts';

// The words of "a client submits N malformed <operation>s (…)" and the verdicts over what came back, as
// plain data: a bad word names what is accepted, and no verdict passes over an empty set.

test('the ways to malform a request: separators, synonyms, the oversized size', () => {
  assert.deepEqual(
    malformedKinds('invalid JSON, missing fields | wrong types and wrong encoding or invalid UTF-8'),
    [
      { family: 'invalid JSON' },
      { family: 'missing fields' },
      { family: 'wrong types' },
      { family: 'wrong encoding' },
      { family: 'invalid UTF-8' },
    ],
  );
  assert.deepEqual(malformedKinds('Invalid json, missing field, wrong type, invalid utf8'), [
    { family: 'invalid JSON' },
    { family: 'missing fields' },
    { family: 'wrong types' },
    { family: 'invalid UTF-8' },
  ]);
  assert.deepEqual(malformedKinds('oversized to 96 MB'), [{ family: 'oversized', sizeBytes: 96_000_000 }]);
});

test('a bad way, a size missing or out of range, a bad count: each names what is accepted', () => {
  assert.throws(
    () => malformedKinds('invalid XML, wrong types, bad vibes'),
    (e: Error) =>
      e instanceof StepInputError &&
      /^'invalid XML' and 'bad vibes' are not ways to malform a request: write invalid JSON, missing fields, wrong types, wrong encoding, invalid UTF-8, oversized to <size> \(e\.g\. oversized to 8 MB\)$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => malformedKinds('oversized'),
    /'oversized' needs a size: write e\.g\. oversized to 8 MB/,
  );
  assert.throws(
    () => malformedKinds('oversized to 2 GB'),
    /an oversized body is between 1 B and 1 GB, got 2 GB/,
  );
  assert.throws(
    () => malformedKinds('oversized to lots'),
    /'lots' is not a size: write a number and B, KB, MB or GB/,
  );
  assert.throws(() => malformedKinds(' , '), /say how the requests are malformed/);
  assert.throws(
    () => malformedCount('0'),
    /'0' is not a number of malformed requests: write a whole number from 1 to 100000/,
  );
  assert.throws(() => malformedCount('ten'), /'ten' is not a number of malformed requests/);
  assert.equal(malformedCount('25'), 25);
});

const answer = (over: Partial<MalformedAnswer>): MalformedAnswer => ({
  family: 'invalid JSON',
  description: 'invalid JSON: truncated after 3 of 40 characters',
  id: 'order-1',
  service: 'api',
  bytes: 3,
  sentAt: 1_000,
  answeredAt: 1_005,
  outcome: 'rejected',
  status: 400,
  ...over,
});
const flood = (answers: MalformedAnswer[], memory?: Flood['memory']): Flood => ({
  kind: 'order request',
  service: 'api',
  seed: 1,
  startedAt: 1_000,
  endedAt: 2_000,
  answers,
  ...(memory ? { memory } : {}),
});

test('rejected with a 4xx: a 5xx, a 2xx, a timeout each fail; nothing sent fails', () => {
  assert.equal(
    everyMalformedRejected('order request', [flood([answer({}), answer({ status: 413 })])]).pass,
    true,
  );
  for (const bad of [
    answer({ status: 500, outcome: 'server error' }),
    answer({ status: 200, outcome: 'accepted' }),
    answer({ status: undefined, outcome: 'timeout', error: 'no answer within 10000 ms' }),
  ]) {
    const v = everyMalformedRejected('order request', [flood([answer({}), bad])]);
    assert.equal(v.pass, false);
    assert.match(v.message, /1 of 2 malformed order requests were not rejected with a 4xx/);
  }
  const empty = everyMalformedRejected('order request', []);
  assert.equal(empty.pass, false);
  assert.match(empty.message, /no malformed order request was sent — nothing was judged/);
});

test('charged or stored: by its own id, stored, or charged under an id no well-formed request carried', () => {
  const floods = [flood([answer({ id: 'm-1' }), answer({ id: 'm-2' })])];
  const ok = noMalformedCharged(
    'order request',
    floods,
    { effects: [{ id: 'w-1', at: 1_500 }] },
    new Set(['w-1']),
  );
  assert.equal(ok.pass, true, ok.message);
  const own = noMalformedCharged('order request', floods, { effects: [{ id: 'm-2' }] }, new Set());
  assert.match(own.message, /m-2 charged/);
  const stored = noMalformedCharged(
    'order request',
    floods,
    { effects: [], remembered: [{ id: 'm-1', status: 'failed' }] },
    new Set(),
  );
  assert.match(stored.message, /m-1 stored as failed/);
  const mangled = noMalformedCharged(
    'order request',
    floods,
    { effects: [{ id: 'm-1-Ã©', at: 1_200 }] },
    new Set(),
  );
  assert.equal(mangled.pass, false);
  assert.match(mangled.message, /a charge under "m-1-Ã©", an id no well-formed request carried/);
  assert.equal(noMalformedCharged('order request', [], { effects: [] }, new Set()).pass, false);
});

test('healthy: an exit, a dead process or no answer fails', () => {
  const probe = { replied: true, detail: 'replied', ms: 3 };
  assert.equal(staysHealthy({ service: 'api', alive: true, exits: 0, probe }).pass, true);
  assert.match(staysHealthy({ service: 'api', alive: true, exits: 1, probe }).message, /exited 1 time\(s\)/);
  assert.match(
    staysHealthy({
      service: 'api',
      alive: true,
      exits: 0,
      probe: { replied: false, detail: 'no reply within 2000 ms', ms: 2000 },
    }).message,
    /does not answer its protocol \(no reply within 2000 ms\)/,
  );
});

test('memory: peak during the flood minus the median before it, against the bound; nothing measured fails', () => {
  const sample = (mb: number) => ({ at: 0, rssBytes: mb * 1e6 });
  const memory = (peak: number) => ({
    service: 'api',
    baseline: [sample(100), sample(101), sample(140)],
    samples: [sample(110), sample(peak)],
    stop: async () => {},
  });
  const within = memoryWithin('api', [flood([answer({})], memory(120))], 32e6);
  assert.equal(within.pass, true, within.message);
  assert.match(within.message, /peaked at 120\.0 MB from a baseline of 101\.0 MB \(\+19\.0 MB, 2 samples\)/);
  assert.equal(memoryWithin('api', [flood([answer({})], memory(300))], 32e6).pass, false);
  const none = memoryWithin('api', [flood([answer({})])], 32e6);
  assert.match(none.message, /no memory of api was measured/);
  const elsewhere = memoryWithin('db', [flood([answer({})], memory(120))], 32e6);
  assert.match(elsewhere.message, /the malformed requests went to api/);
});
