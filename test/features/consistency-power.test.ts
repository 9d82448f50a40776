import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCucumber } from './cucumber-run.ts';

// A consistency verdict that cannot fail proves nothing. Each case breaks what the verdict guards — a
// mechanism of the platform switched off (FAULTLINE_PLATFORM_<VAR>), or a deliberately wrong read-back of
// its records (test/features/consistency/faultline.config.ts) — and the scenario must fail, naming it.
const WRONG_READ_BACK = 'test/features/consistency/faultline.config.ts';
const FEATURE = 'features/observe/consistency.feature';
const cases = [
  {
    breaks: 'idempotency (switched off: every duplicate submission is charged again)',
    env: { FAULTLINE_PLATFORM_IDEMPOTENCY_ENABLED: 'false' },
    run: [FEATURE, '--name', 'Duplicate submissions'],
    expect:
      /every acknowledged document conversion request is consumed exactly once: .*1 consumed more than once \(4 extra consumption\(s\)\): [^ ]+ × 5/,
  },
  {
    breaks: 'the read-back (a charge dropped: an acknowledged conversion lost)',
    env: { FAULTLINE_CONFIG: WRONG_READ_BACK, FAULTLINE_TEST_READ_BACK: 'drop' },
    run: [FEATURE, '--name', 'cut off from its ledger'],
    expect:
      /every acknowledged document conversion request is present after the heal: .*1 acknowledged but lost: \S+/,
  },
  {
    breaks: 'the read-back (a charge read twice: the set passes, the queue counts the duplicate)',
    env: { FAULTLINE_CONFIG: WRONG_READ_BACK, FAULTLINE_TEST_READ_BACK: 'double' },
    run: [FEATURE, '--name', 'cut off from its ledger'],
    expect:
      /every acknowledged document conversion request is consumed exactly once: .*1 consumed more than once \(1 extra consumption\(s\)\): \S+ × 2/,
  },
  {
    breaks: 'the read-back (a charge no client asked for)',
    env: { FAULTLINE_CONFIG: WRONG_READ_BACK, FAULTLINE_TEST_READ_BACK: 'phantom' },
    run: [FEATURE, '--name', 'cut off from its ledger'],
    expect:
      /every acknowledged document conversion request is present after the heal: .*1 present but never attempted by this run: phantom-never-requested/,
  },
];

for (const c of cases) {
  test(`breaking ${c.breaks} makes its consistency scenario fail`, { timeout: 180_000 }, async () => {
    const result = await runCucumber(c.run, {
      ...c.env,
      FAULTLINE_BACKEND: process.env.FAULTLINE_BACKEND ?? 'local',
    }).done;
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /1 scenario \(1 failed\)/, result.output);
    assert.match(result.output, c.expect, result.output);
  });
}
