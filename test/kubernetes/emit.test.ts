import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import type { ChaosKind, ChaosObject } from '../../support/chaos-mesh/objects.ts';
import { EMBEDDED, type WorkflowObject } from '../../support/chaos-mesh/workflow.ts';
import type { Plan } from '../../support/plan/plan.ts';
import { faultline } from '../plan/cli.ts';
import { crdValidators, schemaErrors } from './crds.ts';

// `faultline plan --emit chaos-mesh DIR` over the repository's own features, placed by the test config's
// kubernetes section: every file it writes is a manifest its CRD schema accepts (a Workflow's embedded
// specs, each against its own kind's CRD: the Workflow CRD is not among the reference schemas), and every
// fault without an equivalent is a problem at its file:line whose scenario is not written.

const dir = mkdtempSync(join(tmpdir(), 'faultline-emit-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CONFIG = { FAULTLINE_CONFIG: 'test/kubernetes/fixtures/faultline.config.ts' };

test('every manifest and workflow emitted for the features passes the Chaos Mesh CRD schemas', async () => {
  const out = join(dir, 'all');
  const { code, stdout, stderr } = await faultline(
    ['plan', '--json', '--emit', 'chaos-mesh', out, 'features'],
    CONFIG,
  );
  assert.equal(code, 1, `faults without an equivalent make problems: ${stderr}`);
  const plan = JSON.parse(stdout) as Plan;
  const { object, spec } = crdValidators();
  const kinds = new Set<ChaosKind>();
  const folders = readdirSync(out);
  assert.ok(folders.length >= 12, folders.join(', '));
  let manifests = 0;
  for (const folder of folders) {
    const files = readdirSync(join(out, folder)).sort();
    assert.ok(files.includes('workflow.yaml'), folder);
    const workflow = parse(readFileSync(join(out, folder, 'workflow.yaml'), 'utf8')) as WorkflowObject;
    const chaos = files.filter((f) => f !== 'workflow.yaml');
    for (const file of chaos) {
      const manifest = parse(readFileSync(join(out, folder, file), 'utf8')) as ChaosObject;
      kinds.add(manifest.kind);
      manifests++;
      assert.deepEqual(schemaErrors(object[manifest.kind], manifest), [], `${folder}/${file}`);
      assert.equal(manifest.metadata.labels['app.kubernetes.io/managed-by'], 'faultline');
      assert.equal(manifest.metadata.labels['faultline.scenario'], folder);
    }
    const [entry, ...steps] = workflow.spec.templates;
    assert.equal(workflow.kind, 'Workflow');
    assert.equal(entry?.templateType, 'Serial');
    assert.equal(steps.length, chaos.length, `${folder}: one workflow step per manifest`);
    for (const step of steps) {
      if (step.templateType === 'Serial') assert.fail('one serial entry');
      assert.match(step.deadline, /^\d+(ms|s)$/);
      assert.deepEqual(
        schemaErrors(spec[step.templateType], (step as Record<string, unknown>)[EMBEDDED[step.templateType]]),
        [],
        `${folder}/workflow.yaml ${step.name}`,
      );
    }
  }
  assert.deepEqual([...kinds].sort(), ['DNSChaos', 'NetworkChaos', 'PodChaos', 'StressChaos', 'TimeChaos']);
  assert.ok(manifests >= 12);
  // What does not translate is reported at its step, never dropped; its scenario is left out whole.
  const untranslated = plan.problems.filter((p) => p.problem === 'chaos-mesh');
  assert.deepEqual(
    plan.problems.filter((p) => p.problem !== 'chaos-mesh'),
    [],
  );
  const pause = untranslated.find((p) => p.step.endsWith('1 of the workers is paused for 3 seconds'));
  assert.equal(pause?.uri, 'features/process/process-faults.feature');
  assert.equal(pause?.line, 31);
  assert.match(pause?.message ?? '', /^no Chaos Mesh equivalent for a paused process \(SIGSTOP\)/);
  assert.ok(untranslated.some((p) => /split brain/.test(p.message)));
  assert.ok(
    folders.some((f) => f.startsWith('process-faults-7-')),
    'the SIGKILL scenario of the same feature is written',
  );
  assert.ok(!folders.some((f) => f.startsWith('process-faults-27-')), 'the pause scenario is not written');
  // Every scenario with faults is either written whole or has a problem at one of its faults.
  const blocked = new Set(untranslated.map((p) => p.uri));
  for (const scenario of plan.scenarios.filter((s) => s.faults.length > 0))
    assert.ok(
      folders.some((f) => f.includes(`-${scenario.line}-`)) || blocked.has(scenario.uri),
      `${scenario.uri}:${scenario.line} neither written nor reported`,
    );
});

test('without a kubernetes section nothing is written and the config is the problem; usage errors exit 2', async () => {
  const out = join(dir, 'none');
  const { code, stdout } = await faultline([
    'plan',
    '--emit',
    'chaos-mesh',
    out,
    'features/network/partition.feature',
  ]);
  assert.equal(code, 1);
  assert.match(
    stdout,
    /faultline\.config\.ts:1: system: --emit chaos-mesh: faultline\.config\.ts has no kubernetes section/,
  );
  assert.ok(!existsSync(out));
  const engine = await faultline(['plan', '--emit', 'litmus', out]);
  assert.equal(engine.code, 2);
  assert.match(engine.stderr, /--emit litmus: the engine to emit for; accepted: --emit chaos-mesh DIR/);
  const noDir = await faultline(['plan', '--emit', 'chaos-mesh']);
  assert.equal(noDir.code, 2);
  assert.match(noDir.stderr, /needs the directory/);
  const hold = await faultline(['plan', '--emit', 'chaos-mesh', out, '--hold', 'a while']);
  assert.equal(hold.code, 2);
  assert.match(hold.stderr, /--hold a while/);
});

test('a scenario with a step the vocabulary does not know is not emitted; the step is a problem at its line', async () => {
  const feature = join(dir, 'unknown.feature');
  writeFileSync(
    feature,
    [
      'Feature: unknown',
      '  Scenario: a fault and a meteor',
      '    Given a healthy controller with 3 registered workers',
      '    When 2 of the workers are killed with SIGKILL for 3 seconds',
      '    And the controller is hit by a meteor',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'unknown');
  const { code, stdout } = await faultline(['plan', '--emit', 'chaos-mesh', out, feature], CONFIG);
  assert.equal(code, 1);
  assert.match(stdout, /unknown\.feature:5: undefined step "And the controller is hit by a meteor"/);
  assert.match(stdout, /chaos-mesh: 0 file\(s\)/);
  assert.ok(!existsSync(out) || readdirSync(out).length === 0);
});

test('"N% of the workers" strikes that share: fixed-percent on Chaos Mesh; a share that strikes none is refused at its line', async () => {
  const feature = join(dir, 'share.feature');
  writeFileSync(
    feature,
    [
      'Feature: shares of a group',
      '  Scenario: half the workers die',
      '    Given a healthy controller with 4 registered workers',
      '    When 50% of the workers are killed with SIGKILL for 3 seconds',
      '    And 50% of the workers are unreachable for 2 seconds',
      '',
      '  Scenario: too small a share',
      '    Given a healthy controller with 3 registered workers',
      '    When 10% of the workers are killed with SIGKILL',
      '',
    ].join('\n'),
  );
  const out = join(dir, 'share');
  const { stdout } = await faultline(['plan', '--json', '--emit', 'chaos-mesh', out, feature], CONFIG);
  const plan = JSON.parse(stdout) as Plan;
  const [half] = plan.scenarios;
  assert.deepEqual(
    half?.faults.map((f) => [f.members, f.of]),
    [
      [2, 4],
      [2, 4],
    ],
  );
  assert.deepEqual(
    plan.problems.map((p) => [p.line, p.problem]),
    [[9, 'rejected']],
  );
  assert.match(
    plan.problems[0]!.message,
    /'10% of the workers': 10% of 3 workers strikes none; write a share from 34% to 100%/,
  );
  const { object } = crdValidators();
  const [folder] = readdirSync(out);
  const files = readdirSync(join(out, folder!)).filter((f) => f !== 'workflow.yaml');
  // Every link into the struck workers: from the controller, and from the other workers (their gossip).
  assert.deepEqual(files, ['01-podchaos.yaml', '02-networkchaos.yaml', '03-networkchaos.yaml']);
  for (const file of files) {
    const manifest = parse(readFileSync(join(out, folder!, file), 'utf8')) as ChaosObject;
    assert.deepEqual([manifest.spec.mode, manifest.spec.value], ['fixed-percent', '50'], file);
    assert.deepEqual(schemaErrors(object[manifest.kind], manifest), [], file);
  }
});
