import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// A system of another shape than the reference platform — one Python HTTP service in front of Redis, no
// coordinator, no members, no adapters (fixtures/counter) — run through the generic steps: a partition
// between two named services, a latency fault on a link, a kill, SLO and recovery verdicts.

const FEATURES = 'fixtures/counter/features/counter.feature';
const CONFIG = { FAULTLINE_CONFIG: 'fixtures/counter/faultline.config.ts' };

function reportsDir() {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-test-counter-'));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the counter system passes its partition, latency and kill experiments', {
  timeout: 180_000,
}, async () => {
  using reports = reportsDir();
  const result = await runCucumber([FEATURES], { ...CONFIG, FAULTLINE_REPORTS_DIR: reports.dir }).done;
  assert.equal(result.code, 0, result.output);
  assert.match(result.output, /3 scenarios \(3 passed\)/, result.output);
});

test('without its Redis timeout the counter fails the partition experiment', {
  timeout: 180_000,
}, async () => {
  using reports = reportsDir();
  const result = await runCucumber([FEATURES, '--name', 'Redis is cut off'], {
    ...CONFIG,
    FAULTLINE_REPORTS_DIR: reports.dir,
    COUNTER_REDIS_TIMEOUT_S: '0',
  }).done;
  assert.notEqual(result.code, 0, result.output);
  assert.match(result.output, /1 scenario \(1 failed\)/, result.output);
  assert.match(result.output, /p99 latency under fault below 3000 ms: .*not below/, result.output);
});

test('a fault on a link the counter never uses fails as an invalid experiment', {
  timeout: 180_000,
}, async () => {
  using reports = reportsDir();
  const result = await runCucumber(['fixtures/counter/invalid/unused-link.feature'], {
    ...CONFIG,
    FAULTLINE_REPORTS_DIR: reports.dir,
  }).done;
  assert.notEqual(result.code, 0, result.output);
  assert.match(result.output, /1 scenario \(1 failed\)/, result.output);
  assert.match(
    result.output,
    /fault had no effect: no traffic of the system crossed api → sessions while it held/,
    result.output,
  );
});
