import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXACT_LIMIT, percentile, percentiles } from '../../support/load/percentile.ts';
import { seeded } from '../../support/random.ts';

// The reference: nearest rank over the sorted sample, written out the obvious way.
const nearestRank = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1] as number;
};

test('small samples are exact: the answer is a value of the sample, at rank ⌈p·n⌉', () => {
  const oneToHundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(oneToHundred, 50), 50);
  assert.equal(percentile(oneToHundred, 95), 95);
  assert.equal(percentile(oneToHundred, 99), 99);
  assert.equal(percentile(oneToHundred, 100), 100);
  assert.equal(percentile([7.25], 95), 7.25);
  // Values a histogram bucket would blur: 20.0004 and 20.0006 ms stay distinct.
  assert.equal(percentile([20.0006, 20.0004, 20.0005], 50), 20.0005);
  const random = seeded(7);
  for (const n of [1, 2, 3, 19, 20, 21, 99, 500, EXACT_LIMIT - 1]) {
    const values = Array.from({ length: n }, () => random() * 1000);
    for (const p of [1, 50, 90, 95, 99, 99.9, 100])
      assert.equal(percentile(values, p), nearestRank(values, p), `n=${n} p=${p}`);
  }
});

test('large samples go through an HDR histogram within 0.1% of the exact value', () => {
  const random = seeded(11);
  // Log-normal-ish latencies from 0.2 ms to seconds: the shape that breaks linear buckets.
  const values = Array.from({ length: 50_000 }, () => Math.exp(random() * 9) * 0.2);
  const ps = [50, 90, 95, 99, 99.9];
  const got = percentiles(values, ps);
  for (const [i, p] of ps.entries()) {
    const want = nearestRank(values, p);
    const error = Math.abs((got[i] as number) - want) / want;
    assert.ok(
      error <= 0.001 + 1e-3 / want,
      `p${p}: ${got[i]} vs exact ${want} (${(error * 100).toFixed(3)}%)`,
    );
  }
});

test('an empty sample has no percentile, and p must be in (0, 100]', () => {
  assert.ok(Number.isNaN(percentile([], 95)));
  assert.throws(() => percentile([1], 0), /out of range/);
  assert.throws(() => percentile([1], 101), /out of range/);
});
