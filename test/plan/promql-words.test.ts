import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { faultline, planRejecting } from './cli.ts';

// The plan of a PromQL scenario says it starts a Prometheus and lists the PromQL abort condition; a bound,
// comparison or duration the steps cannot read is refused at plan time, at its file:line.

const dir = mkdtempSync(join(tmpdir(), 'faultline-promql-plan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the plan of features/observe says the scenario starts a Prometheus and lists the PromQL brake', async () => {
  const { code, stdout } = await faultline(['plan', 'features/observe']);
  assert.equal(code, 0, stdout);
  assert.match(
    stdout,
    /system: {3}controller with 3 workers; starts a Prometheus \(scrapes every declared metrics endpoint, the fault proxy and the load generator every 1 s\)/,
  );
  assert.match(
    stdout,
    /abort: {4}abort when the PromQL "\(sum\(rate\(controller_conversions_total\{outcome!="ok"\}\[3s\]\)\) or vector\(0\)\) \/ sum\(rate\(controller_conversions_total\[3s\]\)\)" exceeds 0\.5/,
  );
});

test('PromQL steps with a bound, a window or a duration they cannot read are refused at file:line', async () => {
  const bad = join(dir, 'bad.feature');
  writeFileSync(
    bad,
    [
      'Feature: typos',
      '',
      '  Scenario: a few',
      '    Given a healthy controller with 3 registered workers',
      '    And the PromQL "sum(up)" is at least three',
      '    And abort when the PromQL "sum(up)" exceeds 5%',
      '    Then the PromQL "sum(up)" stays below 1 during lunch',
      '    And the PromQL "sum(up)" reaches 3 within a while',
      '',
    ].join('\n'),
  );
  const at = await planRejecting(bad);
  at(5, /'three' is not a number to compare a PromQL answer with: write e\.g\. 0\.01, 250 or 1e-3/);
  at(6, /'5%' is not a number to compare a PromQL answer with: .*a ratio as 0\.05, not 5%/);
  at(7, /'during lunch' does not name a phase/);
  at(8, /a while/);
});
