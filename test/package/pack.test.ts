// The published package as a user gets it: `npm pack` (which builds dist/ through prepack), installed from
// the tarball into a fresh project outside the repository, then each entry used from there — the
// `faultline` command, `faultline` (the public API), `faultline/proxy` (a proxy started and asked for its
// version), `faultline/cucumber` (loaded by cucumber-js from a user's cucumber.mjs, its steps found) and
// the local backend's fault proxy, a child process started by path from dist/.
// Node refuses to strip types under node_modules, so only this proves the package runs where users put it.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { env, packAndInstall, run } from './install.ts';

test('the packed package installs into a fresh project and its command and three entries work', {
  timeout: 180_000,
}, async (t) => {
  const installed = await packAndInstall();
  t.after(installed.remove);
  const { entry, project } = installed;
  const files = entry.files.map((f) => f.path);
  t.diagnostic(
    `${entry.filename}: ${files.length} files, ${(entry.size / 1024).toFixed(1)} kB packed, ${(entry.unpackedSize / 1024).toFixed(1)} kB unpacked`,
  );
  for (const wanted of [
    'package.json',
    'README.md',
    'dist/support/index.js',
    'dist/support/index.d.ts',
    'dist/support/cucumber.js',
    'dist/support/proxy/index.js',
    'dist/bin/faultline.js',
    'dist/scripts/images/postgres-entrypoint.sh',
  ])
    assert.ok(files.includes(wanted), `${wanted} is missing from the package`);
  const unwanted = files.filter(
    (f) =>
      /^(test|bench|features|scripts|fixtures|\.github)\//.test(f) ||
      /^dist\/(test|fixtures)\//.test(f) ||
      // templates/ holds the files `faultline init` copies into a project (its faultline.config.ts among them).
      (f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('templates/')),
  );
  assert.deepEqual(
    unwanted,
    [],
    'the package ships tests, benchmarks, scripts, example systems or TypeScript sources',
  );
  mkdirSync(join(project, 'features'), { recursive: true });

  const help = await run('npx', ['--no-install', 'faultline', '--help'], { cwd: project, env });
  assert.match(help.stdout, /^usage: faultline <command>/);

  const node = (code: string) =>
    run(process.execPath, ['--input-type=module', '-e', code], { cwd: project, env });
  const api = await node("console.log(Object.keys(await import('faultline')).sort().join(' '));");
  for (const name of [
    'defineConfig',
    'defineSystem',
    'service',
    'container',
    'redis',
    'postgres',
    'wait',
    'http',
  ])
    assert.match(api.stdout, new RegExp(`\\b${name}\\b`), `faultline exports ${name}: ${api.stdout}`);
  const proxy = await node(`
    const { startProxyServer, ToxiproxyClient } = await import('faultline/proxy');
    const server = await startProxyServer({ port: 0 });
    try { console.log(await new ToxiproxyClient(server.url).version()); } finally { await server.close(); }
  `);
  assert.match(proxy.stdout, /2\.\d+\.\d+/);

  // The local backend starts the fault proxy as a child process by file path, which no compiler rewrites:
  // from dist/ it must start dist/bin/faultline.js (support/module-path.ts), not the .ts of the repository.
  const backend = join(project, 'node_modules/faultline/dist/support/env/local/backend.js');
  const spawned = await node(`
    const { localBackend } = await import(${JSON.stringify(backend)});
    const topology = { name: 'probe', services: [{ kind: 'redis', name: 'store' }], links: [], probes: {} };
    const env = await localBackend.up(topology, { seed: 1 });
    try { console.log(await env.toxiproxy.version()); } finally { await env.down(); }
  `);
  assert.match(spawned.stdout, /2\.\d+\.\d+/);

  // A user's cucumber.mjs: cucumber treats `import` entries as file paths (a bare 'faultline/cucumber'
  // would match no file and load nothing), so the config resolves the package's entry to its file.
  writeFileSync(
    join(project, 'cucumber.mjs'),
    "import { fileURLToPath } from 'node:url';\nexport default { import: [fileURLToPath(import.meta.resolve('faultline/cucumber'))] };\n",
  );
  writeFileSync(
    join(project, 'features', 'probe.feature'),
    'Feature: probe\n  Scenario: a faultline step\n    Then traffic shifts away from the slow worker\n',
  );
  const dry = await run('npx', ['--no-install', 'cucumber-js', '--dry-run', '--format', 'summary'], {
    cwd: project,
    env,
  });
  assert.match(dry.stdout, /1 scenario \(1 skipped\)/, dry.stdout);
  assert.doesNotMatch(dry.stdout, /undefined/i, `faultline's steps were not loaded:\n${dry.stdout}`);
});
