// `npm run setup` installs with `npm ci`, which never writes package-lock.json, so a fresh clone stays
// clean — as long as the lock file is complete. npm, when it rewrites the lock file from an existing
// node_modules, can leave out other platforms' optional packages (biome's per-OS builds); a fresh install
// elsewhere then adds them back and the work tree shows a changed lock file. This guards against that.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface LockEntry {
  version?: string;
  optionalDependencies?: Record<string, string>;
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
};

/** Whether `name` resolves from the package at `from` the way Node resolves it (nearest node_modules up). */
function resolves(from: string, name: string): boolean {
  for (let base = from; ; ) {
    if (lock.packages[base ? `${base}/node_modules/${name}` : `node_modules/${name}`]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

test('the lock file lists every optional dependency of every locked package, for every platform', () => {
  assert.equal(lock.lockfileVersion, 3);
  const missing: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages))
    for (const name of Object.keys(entry.optionalDependencies ?? {}))
      if (!resolves(path, name)) missing.push(`${path || '(root)'} → ${name}`);
  assert.deepEqual(
    missing,
    [],
    'package-lock.json lacks optional packages (regenerate it with `npm install --package-lock-only`)',
  );
});
