import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { planMounts, projectRoot, resolveProgram } from '../../support/env/containers/mounts.ts';

// What a process service's container sees of this machine (no engine needed): the system directories
// read-only, the project and what it links to read-write, the program found as the local backend finds it.

function project() {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-mounts-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'faultline-linked-'));
  writeFileSync(join(dir, 'faultline.config.ts'), 'export default {};\n');
  mkdirSync(join(dir, 'api'));
  symlinkSync(elsewhere, join(dir, 'node_modules'));
  return {
    dir,
    elsewhere: realpathSync(elsewhere),
    [Symbol.dispose]() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    },
  };
}

test('a python service in ./api sees the system read-only and its whole project, links included, read-write', () => {
  using p = project();
  const cwd = join(p.dir, 'api');
  assert.equal(projectRoot(cwd), p.dir);
  const plan = planMounts({ command: ['python3', 'app.py'], cwd, shared: [], writable: [] });
  assert.equal(plan.program, resolveProgram('python3', cwd));
  const mode = (path: string) => plan.mounts.find((m) => m.source === path)?.mode;
  assert.equal(mode('/usr'), 'ro');
  assert.equal(mode('/etc'), 'ro');
  assert.equal(mode(p.dir), 'rw');
  assert.equal(mode(p.elsewhere), 'rw', 'the symlinked node_modules is not mounted');
  // The cwd is inside the project: one mount, not two.
  assert.equal(mode(cwd), undefined);
  for (const m of plan.mounts) assert.equal(m.source, m.target, 'every path is the same inside');
});

test('`node` is the runner’s own Node, mounted from its folder', () => {
  using p = project();
  const plan = planMounts({ command: ['node', 'main.ts'], cwd: p.dir, shared: [], writable: [] });
  assert.equal(plan.program, realpathSync(process.execPath));
  assert.ok(plan.mounts.some((m) => plan.program.startsWith(`${m.source}/`)));
});

test('a program outside every mounted folder gets its installation (above bin/) mounted read-only', (t) => {
  using p = project();
  const outside = mkdtempSync(join(tmpdir(), 'faultline-tool-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const tool = join(realpathSync(outside), 'bin', 'server');
  mkdirSync(dirname(tool));
  writeFileSync(tool, '#!/bin/sh\n', { mode: 0o755 });
  const plan = planMounts({ command: [tool], cwd: join(p.dir, 'api'), shared: [], writable: [] });
  assert.equal(plan.program, tool);
  assert.ok(plan.mounts.some((m) => m.source === realpathSync(outside) && m.mode === 'ro'));
});

test('a program not on PATH is refused naming it and the PATH searched', () => {
  assert.throws(
    () => resolveProgram('no-such-program-here', '/tmp', '/usr/bin:/bin'),
    /'no-such-program-here' is not a program on this machine's PATH \(\/usr\/bin:\/bin\)/,
  );
});
