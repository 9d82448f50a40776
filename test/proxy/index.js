// `node --test test/proxy/` (a directory) runs this file: Node 24's test runner takes paths as globs, so a
// directory becomes one "test file" that resolves to its index. Import every suite here so that command
// runs the whole proxy suite in one process. Each suite scopes its own hooks; `npm test` and
// `node --test "test/proxy/*.test.ts"` run the same files one process per file.

import { readdir } from 'node:fs/promises';

const here = new URL('./', import.meta.url);
for (const file of (await readdir(here)).filter((name) => name.endsWith('.test.ts')).sort()) {
  await import(new URL(file, here).href);
}
