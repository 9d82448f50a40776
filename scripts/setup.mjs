#!/usr/bin/env node
// `npm run setup`: prepare everything a run needs, idempotently, in the spirit of
// `playwright install --with-deps`. Plain JavaScript on purpose: it must run on whatever Node the machine
// has, including one too old for faultline itself (it then fetches a modern Node from the npm registry).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// Shared with `faultline doctor` / `faultline install` (plain JavaScript, so this script can run them on an
// old Node): where each prerequisite is found, and apt-get.
import { aptCommand, aptInstall as aptGetInstall, canInstallWithApt } from '../support/env/apt.mjs';
import {
  CHAOSTOOLKIT_APT,
  chaosToolkitPythonReady,
  findChromium,
  findPostgresBinDir,
  findRedisServer,
  NODE_RANGE,
  nodeSatisfies,
} from '../support/env/prerequisites.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const TOOLCHAIN_MAJOR = 24;
const todo = [];

// --quiet (how `npm test` and `npm start` call it): say only what is being done, not what already was.
const quiet = process.argv.includes('--quiet');
const say = (line) => console.log(`setup: ${line}`);
const quietly = (line) => quiet || say(line);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
// Native TypeScript needs 22.18; testcontainers 12 asks for 22.22: package.json engines says which (one place).
const versionOk = (v) => nodeSatisfies(v);

// 1. Dependencies: exactly what the committed package-lock.json says (`npm ci`), and only when node_modules
// does not hold that already, so a setup with nothing to do costs milliseconds (`npm test` and `npm start`
// run it first). `npm ci` never writes package-lock.json: a fresh clone stays clean. (The lock file lists
// every platform's optional packages, biome's per-OS builds among them; `npm install --package-lock-only`
// on any machine keeps it that way.)
const lock = join(ROOT, 'package-lock.json');
const installed = join(ROOT, 'node_modules', '.package-lock.json');
const stale = installedDiffers(lock, installed);
if (stale) {
  say(`installing npm dependencies exactly as package-lock.json says (${stale})`);
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else quietly('npm dependencies match package-lock.json');

// 2. Node toolchain: faultline needs Node >= 22.22 (native TypeScript; its dependencies' floor). When the
// system Node is older, fetch Node 24 from the npm registry into .toolchain/ and put it first on npm's PATH
// (node_modules/.bin), which is where `npm test`, `npm run` and `npx` look first. A user with a modern Node gets nothing extra.
const systemNode = process.version;
if (versionOk(systemNode)) {
  quietly(`Node ${systemNode} is new enough`);
} else {
  const pkg = `node-${process.platform}-${process.arch}`;
  const toolchain = join(ROOT, '.toolchain');
  const binary = join(toolchain, 'node_modules', pkg, 'bin', 'node');
  let current = '';
  try {
    current = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {}
  if (!versionOk(current || 'v0.0')) {
    say(
      `Node ${systemNode} is too old (need ${NODE_RANGE}); fetching Node ${TOOLCHAIN_MAJOR} (${pkg}) from the npm registry`,
    );
    mkdirSync(toolchain, { recursive: true });
    run('npm', [
      'install',
      '--prefix',
      toolchain,
      '--no-save',
      '--no-audit',
      '--no-fund',
      `${pkg}@${TOOLCHAIN_MAJOR}`,
    ]);
    current = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  }
  linkInto(BIN, 'node', binary);
  quietly(
    `Node ${current} from .toolchain/ is first on PATH for npm scripts and npx (system Node ${systemNode} untouched)`,
  );
}

// 3. The faultline command for `npx faultline …` (npm does not link a package's own bins into itself).
linkInto(BIN, 'faultline', join(ROOT, 'bin', 'faultline.ts'));

// 4. Services of the local backend: redis-server and the PostgreSQL server binaries.
function aptInstall(packages, why) {
  if (!canInstallWithApt()) {
    todo.push(
      `${why}: install ${packages.join(' ')} (e.g. ${aptCommand(packages)}; macOS: brew install ${packages[0].replace('-server', '')})`,
    );
    return;
  }
  say(`installing ${packages.join(' ')} with apt-get (${why})`);
  aptGetInstall(packages);
}
if (findRedisServer()) quietly('redis-server found');
else aptInstall(['redis-server'], 'the local backend runs Redis');
if (findPostgresBinDir()) quietly('PostgreSQL server binaries found');
else aptInstall(['postgresql'], 'the local backend runs PostgreSQL');

// Prometheus for the PromQL steps: faultline runs its own per environment (support/observe/prometheus/), so
// the system-wide service Debian's package starts is stopped and disabled — it would only scrape itself.
if (existsSync('/usr/bin/prometheus')) quietly('prometheus found');
else {
  aptInstall(['prometheus'], 'the PromQL steps run a Prometheus per environment');
  if (existsSync('/usr/bin/prometheus'))
    for (const [command, ...args] of [
      ['systemctl', 'disable', '--now', 'prometheus'],
      ['/etc/init.d/prometheus', 'stop'],
    ])
      try {
        execFileSync(command, args, { stdio: 'ignore' });
      } catch {
        // No systemd, or the service never started (a container's policy-rc.d refuses it): nothing to stop.
      }
}

// Debian's Chromium for the report test (test/report: playwright-core drives it; no browser download). Only
// that test needs it, so without root it is a hint, not a failure (the test then skips, except under CI).
if (findChromium()) quietly('chromium found');
else if (canInstallWithApt()) {
  say('installing chromium with apt-get (the report test opens the Allure report in it)');
  // With its recommended packages (fonts among them): a bare chromium renders pages without any font.
  aptGetInstall(['chromium'], { recommends: true });
} else
  say('chromium not found: the report test skips (sudo apt-get install chromium, or set FAULTLINE_CHROMIUM)');

// Chaos Toolkit's dependencies for Debian's Python: the interoperability test runs the vendored Chaos Toolkit
// (../shared/vendor/chaostoolkit) with them, since no Python registry is reachable. Only that test needs them.
if (chaosToolkitPythonReady()) quietly("Chaos Toolkit's Python dependencies found");
else if (canInstallWithApt()) {
  say("installing Chaos Toolkit's Python dependencies with apt-get (the Chaos Toolkit interop test runs it)");
  aptGetInstall(CHAOSTOOLKIT_APT);
} else
  say(
    `Chaos Toolkit's Python dependencies missing: the interop test fails (${aptCommand(CHAOSTOOLKIT_APT)})`,
  );

// 5. Warm the PostgreSQL template cluster so the first scenario does not pay for initdb.
if (todo.length === 0) {
  const node = existsSync(join(BIN, 'node')) ? join(BIN, 'node') : process.execPath;
  const result = spawnSync(
    node,
    [
      '--input-type=module',
      '-e',
      "const m = await import('./support/env/local/postgres.ts'); console.log(m.postgresTemplate());",
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (result.status === 0) quietly(`PostgreSQL template ready at ${result.stdout.trim()}`);
  else todo.push(`PostgreSQL template could not be built: ${result.stderr.trim()}`);
}

if (todo.length > 0) {
  console.error(`setup: not ready yet:\n${todo.map((t) => `  - ${t}`).join('\n')}`);
  process.exit(1);
}
quietly('ready — run the features with `npm start` and the tests with `npm test`');

function linkInto(dir, name, target) {
  mkdirSync(dir, { recursive: true });
  const link = join(dir, name);
  const wanted = relative(dir, target);
  try {
    if (lstatSync(link).isSymbolicLink() && readlinkSync(link) === wanted) return;
    unlinkSync(link);
  } catch {}
  symlinkSync(wanted, link);
}

/**
 * Why node_modules does not hold exactly what the lock file says (a short reason), or '' when it does.
 * npm records what it installed in node_modules/.package-lock.json; every package of the lock file must be
 * there at its version — except optional ones, which are other platforms' builds — and nothing else.
 */
function installedDiffers(lockPath, installedPath) {
  if (!existsSync(installedPath)) return 'node_modules is missing';
  const want = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
  for (const [path, entry] of Object.entries(want)) {
    if (path === '') continue;
    const got = have[path];
    if (got === undefined) {
      if (!entry.optional) return `${path} is not installed`;
    } else if (got.version !== entry.version)
      return `${path} is ${got.version}, the lock file says ${entry.version}`;
  }
  const extra = Object.keys(have).find((path) => !(path in want));
  return extra === undefined ? '' : `${extra} is installed but not in the lock file`;
}
