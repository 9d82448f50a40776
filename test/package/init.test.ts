// `npx faultline init` from the packed package, in a fresh project as a user gets it: the templates ship,
// the written cucumber config resolves `faultline/cucumber` and the `faultline/journal-formatter` export,
// every step of the example features is defined, and one example experiment runs green against the
// example system. (test/cli/init.test.ts runs all of them from the sources.)

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { env, packAndInstall, run } from './install.ts';

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
    env: withReports,
  });
  assert.match(dry.stdout, /5 scenarios \(5 skipped\)/, dry.stdout);
  assert.doesNotMatch(dry.stdout, /undefined|ambiguous/i, dry.stdout);

  const real = await run(
    'npx',
    ['--no-install', 'cucumber-js', '-p', 'ci', 'features/load/steady-load.feature:8'],
    { cwd: project, env: withReports },
  );
  assert.match(real.stdout, /1 scenario \(1 passed\)/, `${real.stdout}\n${real.stderr}`);
  const journal = JSON.parse(readFileSync(join(reports, 'journal.json'), 'utf8')) as { status: string };
  assert.equal(
    journal.status,
    'passed',
    'the journal formatter, loaded as faultline/journal-formatter, wrote it',
  );
});
