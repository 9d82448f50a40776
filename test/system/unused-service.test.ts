import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// A process fault aimed at a service the system's traffic does not use while it holds (the counter's
// "sessions" Redis: linked, never called) is an invalid experiment: the scenario fails, saying so, even
// though every verdict held.

test('a kill of a service the counter never uses fails as an invalid experiment', {
  timeout: 180_000,
}, async () => {
  const reports = mkdtempSync(join(tmpdir(), 'faultline-test-unused-service-'));
  try {
    const result = await runCucumber(['fixtures/counter/invalid/unused-service.feature'], {
      FAULTLINE_CONFIG: 'fixtures/counter/faultline.config.ts',
      FAULTLINE_REPORTS_DIR: reports,
    }).done;
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /1 scenario \(1 failed\)/, result.output);
    assert.match(
      result.output,
      /fault had no effect: no traffic of the system crossed api → sessions while it held \(api → sessions: 0 connections accepted, 0 B from api, 0 B from sessions in [\d.]+ s\); and no operation of the scenario was sent straight to sessions — fault #1, sessions killed with SIGKILL/,
      result.output,
    );
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
});
