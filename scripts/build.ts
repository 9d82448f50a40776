// `npm run build` (and `prepack`, so `npm pack`/`npm publish` always ship a fresh build): compiles what the
// package ships — support/, steps/, bin/ — to JavaScript and declarations in dist/, with the project's own
// TypeScript. The repository itself keeps running the .ts sources natively; dist/ exists only for the
// package, because Node refuses to strip types from files under node_modules.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

// Files the compiler does not carry over: the offline postgres image's entrypoint, read at run time by path
// (support/env/containers/images/catalog.ts reads it from <root>/scripts/images, and in the package <root>
// is dist/); and the plain-JavaScript modules scripts/setup.mjs shares with doctor, install and the local
// backend (imported as .mjs, typed by their .d.mts), which tsc neither compiles nor copies.
const ASSETS = [
  'scripts/images/postgres-entrypoint.sh',
  'support/env/prerequisites.mjs',
  'support/env/prerequisites.d.mts',
  'support/env/apt.mjs',
  'support/env/apt.d.mts',
];

const started = performance.now();
rmSync(DIST, { recursive: true, force: true });
const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
if (!existsSync(tsc))
  throw new Error(
    `build: ${tsc} is missing: run \`npm run setup\` first (it installs the TypeScript compiler)`,
  );
execFileSync(tsc, ['-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });
for (const asset of ASSETS) cpSync(join(ROOT, asset), join(DIST, asset));

// The bin keeps its `#!/usr/bin/env node` line through the compiler; npm links it as the `faultline` command.
const bin = join(DIST, 'bin', 'faultline.js');
if (!readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n'))
  throw new Error(`build: ${bin} lost its "#!/usr/bin/env node" line; the faultline command needs it`);
chmodSync(bin, 0o755);
console.log(`build: dist/ written in ${Math.round(performance.now() - started)} ms`);
