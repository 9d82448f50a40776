import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonPath, readJsonPath } from '../../support/observe/json-path.ts';
import { parseTolerance } from '../../support/observe/tolerance.ts';

// The words of a hypothesis's tolerances and JSON paths: what each accepts and refuses, and what a
// mistake says (what was wrong and what is accepted).

test('tolerances accept and refuse values as their words say', () => {
  const cases: [string, (number | string | boolean)[], (number | string | boolean)[]][] = [
    ['equals 200', [200, '200'], [503, 'ok', true]],
    ['equals true', [true], [false, 1]],
    ['equals "ok"', ['ok'], ['OK', 200]],
    ['at least 3', [3, 4, '10'], [2, 'three']],
    ['at most 200 ms', [200, 12.5], [200.1]],
    ['at most 1 s', [999], [1001]],
    ['between 0 and 1000', [0, 1000, '17'], [-1, 1001]],
    ['between 100 and 200 ms', [150], [99, 201]],
    ['between 1 s and 2 s', [1500], [900]],
    ['matching /^ok|degraded$/i', ['OK', 'degraded'], ['down']],
    ['present', [1, 5, true], [0, false]],
    ['absent', [0, false], [1, 3]],
  ];
  for (const [text, accepted, refused] of cases) {
    const t = parseTolerance(text);
    for (const v of accepted) assert.equal(t.accepts(v), true, `${text} should accept ${v}`);
    for (const v of refused) assert.equal(t.accepts(v), false, `${text} should refuse ${v}`);
  }
});

test('a deviation says by how much', () => {
  assert.equal(parseTolerance('at most 200 ms').distance(412), '412 ms, 212 ms above 200 ms');
  assert.equal(parseTolerance('at least 3').distance(1), '1, 2 below 3');
  assert.equal(parseTolerance('equals 200').distance(503), '503, expected 200');
  assert.equal(parseTolerance('absent').distance(2), 'seen (2)');
});

test('a tolerance that cannot parse names what was wrong and what is accepted', () => {
  for (const [text, why] of [
    ['roughly 200', /it starts with no tolerance word/],
    ['at least lots', /'lots' is not a number or a duration/],
    ['between 5 and 1', /lower bound 5 is above the upper bound 1/],
    ['equals maybe', /'maybe' is not a number, true, false or a "quoted text"/],
    ['matching /(/', /regular expression does not compile/],
    ['', /no tolerance word/],
  ] as const)
    assert.throws(
      () => parseTolerance(text),
      (e: Error) =>
        why.test(e.message) && /accepted: equals <value>.*at least.*between.*present/.test(e.message),
      text,
    );
});

test('the JSON path subset reads keys, indexes and lengths, and says where it stopped', () => {
  const doc = {
    workers: [
      { id: 'w1', healthy: true },
      { id: 'w2', healthy: false },
    ],
    'a-b': { c: 'x' },
  };
  const read = (p: string) => readJsonPath(doc, parseJsonPath(p), p);
  assert.equal(read('$.workers.length'), 2);
  assert.equal(read('$.workers[1].id'), 'w2');
  assert.equal(read('$.workers[-1].healthy'), false);
  assert.equal(read('$["a-b"].c'), 'x');
  assert.equal(read('$["a-b"].c.length'), 1);
  assert.deepEqual(read('$'), doc);
  assert.throws(() => read('$.workers[5]'), /\$\.workers has 2 item\(s\), no \[5\]/);
  assert.throws(
    () => read('$.fleet.length'),
    /\$ has no key 'fleet' \(it is an object with keys workers, a-b\)/,
  );
  assert.throws(() => read('$.workers[0].id[0]'), /\$\.workers\[0\]\.id is string "w1", not an array/);
  assert.throws(() => parseJsonPath('workers.length'), /must start with \$; accepted: \$ then \.key/);
  assert.throws(() => parseJsonPath('$.workers[?(@.healthy)]'), /cannot be read at '\[\?\(@\.healthy\)\]'/);
});
