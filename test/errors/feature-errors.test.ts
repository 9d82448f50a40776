import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCucumber } from '../features/cucumber-run.ts';

// Real cucumber runs on feature files with mistakes in them, written to a temp dir: each mistake must be
// reported at its feature file and line, naming the bad token and what is accepted, and must fail the run.

const dir = mkdtempSync(join(tmpdir(), 'faultline-errors-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const feature = join(dir, 'mistakes.feature');
/** A feature file as cucumber names it: relative to the directory it runs in (the repository). */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const shown = (file: string) => relative(ROOT, file);
writeFileSync(
  feature,
  [
    'Feature: mistakes a user makes', //                                                       1
    '', //                                                                                     2
    '  Scenario: a bad duration', //                                                           3
    '    Given abort if the error rate exceeds 50%', //                                        4
    '    When the network between the controller and 1 of its workers is partitioned for thirty seconds',
    '', //                                                                                     6
    '  Scenario: a bad percentage', //                                                         7
    '    Given abort if the error rate exceeds 150%', //                                       8
    '', //                                                                                     9
    '  Scenario: an undefined step', //                                                        10
    '    Given the moon falls on the controller', //                                           11
    '', //                                                                                     12
    '  Scenario: an unknown coordinator', //                                                   13
    '    Given a healthy kontroller with 2 registered workers', //                             14
    '',
  ].join('\n'),
);

test('bad durations, percentages, unknown services and undefined steps: file:line, the token, what is accepted', async () => {
  const { code, output } = await runCucumber([feature]).done;
  assert.equal(code, 1, 'mistakes fail the run');
  // Cucumber names each failing scenario at file:line, then the step and our message under it.
  const block = (line: number) => {
    const start = output.indexOf(`${shown(feature)}:${line}`);
    assert.ok(start >= 0, `${shown(feature)}:${line} is reported\n${output}`);
    return output.slice(start, start + 900);
  };
  assert.match(
    block(3),
    /partitioned for thirty seconds[^\n]*\n\s+Error: 'thirty seconds' is not a duration: write a number and a unit, e\.g\. 500ms, 2 s, 30 seconds/,
  );
  assert.match(
    block(7),
    /exceeds 150%[^\n]*\n\s+Error: '150%' is not a percentage: write a number from 0 to 100 followed by %/,
  );
  assert.match(block(10), /Given the moon falls on the controller/);
  assert.match(output, /Undefined scenarios:\n\s+1\) an undefined step # [^\n]*mistakes\.feature:10/);
  assert.match(
    block(13),
    /'kontroller' is not a service of the system 'reference-platform', so it cannot coordinate the workers; coordinators of the workers \(services with a link to every member\): controller/,
  );
  assert.match(output, /4 scenarios \(1 undefined, 3 failed\)/);
});

test('a configuration mistake names its variable and what is accepted', async () => {
  const one = join(dir, 'one.feature');
  writeFileSync(
    one,
    'Feature: one\n\n  Scenario: up\n    Given a healthy controller with 1 registered workers\n',
  );
  const system = await runCucumber([one], { FAULTLINE_SYSTEM: 'mainframe' }).done;
  assert.equal(system.code, 1);
  assert.match(
    system.output,
    /FAULTLINE_SYSTEM=mainframe is not a system of faultline.config.ts; its systems: reference-platform/,
  );
  assert.ok(system.output.includes(`${shown(one)}:3`), system.output);
  const backend = await runCucumber([one], { FAULTLINE_BACKEND: 'nomad' }).done;
  assert.equal(backend.code, 1);
  assert.match(
    backend.output,
    /FAULTLINE_BACKEND=nomad is not a backend; accepted: local, containers, kubernetes \(or unset\/auto\)/,
  );
});

test('a dry run loads every step definition and starts nothing; it lists undefined steps at file:line', async () => {
  const scratch = mkdtempSync(join(dir, 'tmp-'));
  const suite = await runCucumber(['--dry-run'], { TMPDIR: scratch, FAULTLINE_REDIS_SERVER: '/nonexistent' })
    .done;
  assert.equal(suite.code, 0, suite.output);
  assert.match(suite.output, /\d+ scenarios \(\d+ skipped\)\n\d+ steps \(\d+ skipped\)/);
  assert.doesNotMatch(
    suite.output,
    /undefined|ambiguous|faultline: seed/,
    'no hook ran, every step is defined',
  );
  assert.deepEqual(readdirSync(scratch), [], 'nothing was started');
  // Cucumber's dry run reports undefined steps but, by its design, exits 0: `faultline plan` is the gate.
  const mistakes = await runCucumber(['--dry-run', feature]).done;
  assert.match(mistakes.output, /1 undefined/);
  assert.match(mistakes.output, /Given\('the moon falls on the controller'/);
});
