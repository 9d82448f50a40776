// modulePath: a child-process entry named by path keeps working whether faultline runs from its .ts
// sources (the repository) or from the compiled .js in dist/ (the installed package).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { modulePath } from '../../support/module-path.ts';

test('a module path takes the extension of the file asking for it', () => {
  assert.equal(
    modulePath('file:///pkg/dist/support/env/local/backend.js', '../../../bin/faultline'),
    '/pkg/dist/bin/faultline.js',
  );
  assert.equal(
    modulePath('file:///repo/support/env/local/backend.ts', '../../../bin/faultline'),
    '/repo/bin/faultline.ts',
  );
});

test("the local backend's fault proxy entry exists in the repository", () => {
  const backend = new URL('../../support/env/local/backend.ts', import.meta.url).href;
  assert.ok(existsSync(modulePath(backend, '../../../bin/faultline')));
});

test('a path given with an extension is refused, naming the path and what is accepted', () => {
  assert.throws(
    () => modulePath(import.meta.url, './x.ts'),
    /modulePath\("\.\/x\.ts"\): give the module path without an extension/,
  );
});
