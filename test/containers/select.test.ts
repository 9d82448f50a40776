import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { needsEngine } from './engine.ts';

// Backend selection: FAULTLINE_BACKEND names one; unset, containers when a Docker engine answers and local
// otherwise, announced once. Each case runs in its own process (the choice is made once per run).

const ROOT = new URL('../../', import.meta.url).href;

/** `engine`: what the reachability probe answers (undefined: the real probe). */
function choose(
  env: NodeJS.ProcessEnv,
  engine?: boolean,
): { chosen: string; stderr: string; status: number | null } {
  const probe = engine === undefined ? 'undefined' : `async () => ${engine}`;
  const code = `
    const { selectBackend, chooseAutomatically } = await import('${ROOT}support/env/backends.ts');
    const selected = selectBackend();
    const chosen = selected.name === 'auto' ? (await chooseAutomatically(${probe})).name : selected.name;
    selectBackend();
    await chooseAutomatically(${probe});
    console.log('CHOSEN ' + chosen);
  `;
  const base = { ...process.env };
  delete base.FAULTLINE_BACKEND;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...base, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return {
    chosen: result.stdout.match(/CHOSEN (\S+)/)?.[1] ?? '',
    stderr: result.stderr,
    status: result.status,
  };
}

test('no engine reachable and no backend named: local, said once', () => {
  const { chosen, stderr } = choose({}, false);
  assert.equal(chosen, 'local');
  assert.equal(stderr.match(/faultline: local backend \(no Docker engine reachable/g)?.length, 1, stderr);
});

test('an engine reachable and no backend named: containers, said once', async (t) => {
  if (!(await needsEngine(t))) return;
  const { chosen, stderr } = choose({});
  assert.equal(chosen, 'containers');
  assert.equal(stderr.match(/faultline: containers backend \(a Docker engine answers/g)?.length, 1, stderr);
});

test('FAULTLINE_BACKEND wins over detection, and an unknown name lists the accepted ones', () => {
  assert.equal(choose({ FAULTLINE_BACKEND: 'local' }).chosen, 'local');
  assert.equal(
    choose({ FAULTLINE_BACKEND: 'containers', DOCKER_HOST: 'unix:///nonexistent' }).chosen,
    'containers',
  );
  const unknown = choose({ FAULTLINE_BACKEND: 'nomad' });
  assert.notEqual(unknown.status, 0);
  assert.match(
    unknown.stderr,
    /FAULTLINE_BACKEND=nomad is not a backend; accepted: local, containers, kubernetes/,
  );
});
