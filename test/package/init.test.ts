// Adopting faultline as a team does, from the packed package in a fresh project outside the repository:
// `npx faultline init`, then `npx cucumber-js` — every example experiment passes against the example system
// init wrote (the cucumber config resolves `faultline/cucumber` and the `faultline/journal-formatter`
// export). Then a system of another shape written in that project — no coordinator, no members, no
// adapters: a Python service (Debian's python3) in front of Redis — passes a partition between two named
// services, a latency fault, a kill, SLO and recovery verdicts, and a latency fault on a link its traffic
// never uses fails as an invalid experiment.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineReachable } from '../../support/env/containers/runtime.ts';
import { env, packAndInstall, ROOT, run } from './install.ts';

test('init from the installed package writes a project whose experiments run', {
  timeout: 240_000,
}, async (t) => {
  const installed = await packAndInstall('init-probe');
  t.after(installed.remove);
  const { project, work } = installed;
  const files = installed.entry.files.map((f) => f.path);
  for (const wanted of [
    'templates/init/cucumber.js',
    'templates/init/.vscode/settings.json',
    'dist/support/report/journal-formatter.js',
  ])
    assert.ok(files.includes(wanted), `${wanted} is missing from the package`);

  const init = await run('npx', ['--no-install', 'faultline', 'init'], { cwd: project, env });
  // npm writes a package.json without "type": init then names the ES module files .mjs/.mts.
  assert.match(init.stdout, /wrote +cucumber\.mjs\n/);
  assert.match(init.stdout, /wrote +faultline\.config\.mts\n/);
  assert.match(init.stdout, /npx cucumber-js\n$/);
  assert.ok(existsSync(join(project, 'services/api.mjs')));

  const reports = mkdtempSync(join(work, 'reports-'));
  const withReports = { ...env, FAULTLINE_REPORTS_DIR: reports, FAULTLINE_BACKEND: 'local' };
  const dry = await run('npx', ['--no-install', 'cucumber-js', '-p', 'ci', '--dry-run'], {
    cwd: project,
    maxBuffer: 64 * 1024 * 1024,
    env: withReports,
  });
  assert.match(dry.stdout, /5 scenarios \(5 skipped\)/, dry.stdout);
  assert.doesNotMatch(dry.stdout, /undefined|ambiguous/i, dry.stdout);

  const real = await run('npx', ['--no-install', 'cucumber-js', '-p', 'ci'], {
    cwd: project,
    maxBuffer: 64 * 1024 * 1024,
    env: withReports,
  });
  assert.match(real.stdout, /5 scenarios \(5 passed\)/, `${real.stdout}\n${real.stderr}`);
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as { status: string };
  assert.equal(
    journal.status,
    'passed',
    'the journal formatter, loaded as faultline/journal-formatter, wrote it',
  );

  // Detection power: the example api's deadline is what keeps its latency bounded; without it (a 10 s
  // attempt timeout) the partition experiment must fail.
  const config = join(project, 'faultline.config.mts');
  const declared = readFileSync(config, 'utf8');
  assert.match(declared, /ATTEMPT_TIMEOUT_MS: '250'/);
  writeFileSync(config, declared.replace("ATTEMPT_TIMEOUT_MS: '250'", "ATTEMPT_TIMEOUT_MS: '10000'"));
  const blind = await run(
    'npx',
    ['--no-install', 'cucumber-js', '-p', 'ci', 'features/network/partition.feature'],
    {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
      env: withReports,
    },
  ).catch((error: { stdout: string; stderr: string; code: number }) => error);
  assert.equal('code' in blind ? blind.code : 0, 1, blind.stdout);
  assert.match(blind.stdout, /AssertionError: (p95 latency|error rate) under fault below/, blind.stdout);
  writeFileSync(config, declared);

  // The same experiments on the containers backend, where an engine runs (CI requires one).
  if (process.env.FAULTLINE_REQUIRE_DOCKER === '1' || (await engineReachable(3_000))) {
    const containers = await run('npx', ['--no-install', 'cucumber-js', '-p', 'ci'], {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...withReports, FAULTLINE_BACKEND: 'containers' },
    });
    assert.match(containers.stdout, /5 scenarios \(5 passed\)/, `${containers.stdout}\n${containers.stderr}`);
  } else t.diagnostic('no Docker engine: the example ran on the local backend only');

  // The team's own system: fixtures/counter's Python service, declared in the project through 'faultline'.
  const counter = join(project, 'counter');
  mkdirSync(join(counter, 'features'), { recursive: true });
  copyFileSync(join(ROOT, 'fixtures/counter/app.py'), join(counter, 'app.py'));
  const declaration = readFileSync(join(ROOT, 'fixtures/counter/faultline.config.ts'), 'utf8');
  assert.match(declaration, /from '\.\.\/\.\.\/support\/index\.ts'/);
  writeFileSync(
    join(counter, 'faultline.config.mts'),
    declaration.replace('../../support/index.ts', 'faultline'),
  );
  for (const feature of ['features/counter.feature', 'invalid/unused-link.feature'])
    copyFileSync(join(ROOT, 'fixtures/counter', feature), join(counter, 'features', feature.split('/')[1]!));
  const counterEnv = { ...withReports, FAULTLINE_CONFIG: 'counter/faultline.config.mts' };
  const green = await run(
    'npx',
    ['--no-install', 'cucumber-js', '-p', 'ci', 'counter/features/counter.feature'],
    {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
      env: counterEnv,
    },
  );
  assert.match(green.stdout, /3 scenarios \(3 passed\)/, `${green.stdout}\n${green.stderr}`);
  const invalid = await run(
    'npx',
    ['--no-install', 'cucumber-js', '-p', 'ci', 'counter/features/unused-link.feature'],
    {
      cwd: project,
      maxBuffer: 64 * 1024 * 1024,
      env: counterEnv,
    },
  ).catch((error: { stdout: string; stderr: string; code: number }) => error);
  assert.equal('code' in invalid ? invalid.code : 0, 1, invalid.stdout);
  assert.match(
    invalid.stdout,
    /fault had no effect: no traffic of the system crossed api → sessions while it held/,
    invalid.stdout,
  );
});
