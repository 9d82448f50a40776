import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../features/cucumber-run.ts';
import { FAULTLINE } from '../helpers/gameday.ts';

// `faultline export chaostoolkit` without Chaos Toolkit (test/interop runs the real one on the output):
// what each kind of step becomes — a network fault the toxics of its links, a fault drawn from the seed or
// of another family a `faultline fault` action with its `faultline undo` rollback, a wait a pause — and that
// a step with no export is reported, never dropped; bad input is refused naming it.

const work = mkdtempSync(join(tmpdir(), 'export-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

function run(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      [FAULTLINE, ...args],
      { cwd: ROOT, encoding: 'utf8' },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('each step becomes its Chaos Toolkit equivalent, and what has none is reported', {
  timeout: 60_000,
}, async () => {
  const feature = join(work, 'mixed.feature');
  writeFileSync(
    feature,
    `@network
Feature: Mixed
  Scenario: Every kind of step
    Given the system is running
    When the api explodes
    And the network between controller and redis is partitioned for 2 seconds
    And 2 of the workers are unreachable for 2 seconds
    And worker-1 is killed with SIGKILL
    And the load has run for 1.5 seconds
    Then the error rate is below 1%
`,
  );
  const out = join(work, 'out');
  const result = await run(['export', 'chaostoolkit', feature, '--out', out, '--command', 'faultline']);
  assert.equal(result.code, 1, `an undefined step makes the export fail:\n${result.stderr}`);
  assert.match(result.stderr, /not exported: .*mixed\.feature:5 When the api explodes — undefined step/);
  assert.match(result.stderr, /mixed\.feature:10 Then the error rate is below 1% — a verdict is judged/);
  const [file] = readdirSync(out);
  assert.equal(file, 'mixed-L3-every-kind-of-step.json');
  const experiment = JSON.parse(readFileSync(join(out, file), 'utf8'));
  assert.deepEqual(experiment.tags, ['network', 'faultline']);
  assert.deepEqual(experiment.configuration.toxiproxy_port, {
    type: 'env',
    key: 'FAULTLINE_PROXY_PORT',
    default: 8474,
    env_var_type: 'int',
  });
  assert.deepEqual(experiment['steady-state-hypothesis'].probes[0].provider, {
    type: 'process',
    path: 'faultline',
    arguments: ['status', '--steady-state'],
  });
  const shape = experiment.method.map(
    (a: { provider: { func?: string; arguments: unknown }; background?: boolean; pauses?: unknown }) =>
      a.provider.func
        ? `${a.provider.func} ${JSON.stringify(a.provider.arguments)}${a.background ? ' background' : ''}${a.pauses ? ` ${JSON.stringify(a.pauses)}` : ''}`
        : `${JSON.stringify(a.provider.arguments)}${a.pauses ? ` ${JSON.stringify(a.pauses)}` : ''}`,
  );
  assert.deepEqual(shape, [
    'create_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-up","toxic_type":"timeout","stream":"upstream","toxicity":1,"attributes":{"timeout":0}}',
    'create_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-down","toxic_type":"timeout","stream":"downstream","toxicity":1,"attributes":{"timeout":0}}',
    'delete_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-up"} background {"before":2}',
    'delete_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-down"} background {"before":2}',
    // A draw of 2 of 3 workers is the seed's, made when the fault is applied: faultline applies it.
    '["fault","2 of the workers are unreachable for 2 seconds"]',
    // The wait before the end of the method: a pause after the last activity.
    '["fault","worker-1 is killed with SIGKILL"] {"after":1.5}',
  ]);
  assert.deepEqual(
    experiment.rollbacks.map((a: { provider: { func?: string; arguments: unknown } }) =>
      a.provider.func
        ? `${a.provider.func} ${JSON.stringify(a.provider.arguments)}`
        : JSON.stringify(a.provider.arguments),
    ),
    [
      'delete_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-up"}',
      'delete_toxic {"for_proxy":"controller-to-redis","toxic_name":"faultline-partition-1-down"}',
      '["undo","2 of the workers are unreachable for 2 seconds"]',
      '["undo","worker-1 is killed with SIGKILL"]',
    ],
  );
  const { not_exported } = experiment.extensions[0];
  assert.deepEqual(
    not_exported.map((n: { line: number; kind: string }) => `${n.line} ${n.kind}`),
    ['5 unknown', '10 verdict'],
  );
});

test('bad input to export: no format, an unknown format, a path that does not exist', {
  timeout: 60_000,
}, async () => {
  const none = await run(['export']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /faultline export: no format given; accepted: chaostoolkit/);
  const yaml = await run(['export', 'litmus']);
  assert.equal(yaml.code, 2);
  assert.match(yaml.stderr, /'litmus' is not a format; accepted: chaostoolkit/);
  const missing = await run(['export', 'chaostoolkit', 'features/nope', '--out', join(work, 'x')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /features\/nope: no such file or directory/);
  const flag = await run(['export', 'chaostoolkit', '--outdir', 'x']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /Unknown option '--outdir'.*accepted: --out <dir>/);
});
