// What each backend needs from the machine, where it is found, which version it is, and exactly how to get
// what is missing. One list read by `faultline doctor` (to report), `faultline install` and `npm run setup`
// (to install), and by the local backend itself (support/env/local/binaries.ts finds its binaries here), so
// what doctor says is what a run will find.
//
// Plain JavaScript on purpose: scripts/setup.mjs imports it and must run on the Node a machine already has,
// even one too old for faultline's TypeScript (setup then fetches a modern Node). Types: prerequisites.d.mts.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * faultline's own package.json: the nearest one above this file named faultline (in a checkout two levels
 * up, in the built package three: dist/support/env/).
 */
function ownPackageJson() {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8'));
      if (pkg.name === 'faultline') return pkg;
    }
    if (dirname(dir) === dir)
      throw new Error(`no package.json named "faultline" above ${fileURLToPath(import.meta.url)}`);
    dir = dirname(dir);
  }
}

/** The Node versions faultline runs on: package.json's engines.node (e.g. ">=22.18" or "^22.22.0 || >=24"). */
export const NODE_RANGE = ownPackageJson().engines?.node ?? '*';

const COMPARATOR = /^(\^|~|>=|<=|>|<|=)?v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?$/;

function compare(a, b) {
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** One comparator ("^22.22.0", ">=22.18", "24") as a test on [major, minor, patch]. */
function comparator(text, range) {
  const match = COMPARATOR.exec(text);
  if (!match)
    throw new Error(
      `engines.node ${JSON.stringify(range)}: cannot read "${text}"; ` +
        'accepted: comparators such as >=22.18, ^22.22.0, ~24.1, 24, joined by spaces (and) or || (or)',
    );
  const [, op = '', major, minor, patch] = match;
  const exact = (n) => n !== undefined && n !== 'x' && n !== '*';
  const floor = [Number(major), exact(minor) ? Number(minor) : 0, exact(patch) ? Number(patch) : 0];
  if (op === '>=') return (v) => compare(v, floor) >= 0;
  if (op === '>') return (v) => compare(v, floor) > 0;
  if (op === '<=') return (v) => compare(v, floor) <= 0;
  if (op === '<') return (v) => compare(v, floor) < 0;
  // ^ and ~ and a partial version allow everything up to the next significant number.
  const ceiling =
    op === '^' || (op === '' && !exact(minor))
      ? [floor[0] + 1, 0, 0]
      : op === '~' || (op === '' && !exact(patch))
        ? [floor[0], floor[1] + 1, 0]
        : undefined;
  if (ceiling) return (v) => compare(v, floor) >= 0 && compare(v, ceiling) < 0;
  return (v) => compare(v, floor) === 0;
}

/** Whether a Node version ("v22.18.0" or "22.18.0") is in the range (default: package.json engines.node). */
export function nodeSatisfies(version, range = NODE_RANGE) {
  const v = version.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  if (range.trim() === '' || range.trim() === '*') return true;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((text) => comparator(text, range)(v)),
  );
}

/** The first file of that name in the PATH's directories. */
export function onPath(name, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** redis-server: FAULTLINE_REDIS_SERVER, else the PATH. */
export function findRedisServer(env = process.env) {
  return env.FAULTLINE_REDIS_SERVER || onPath('redis-server', env);
}

/**
 * The directory holding initdb and postgres: FAULTLINE_PG_BIN, pg_config's bindir, the newest Debian
 * cluster (/usr/lib/postgresql/N/bin: Debian keeps them off the PATH), or initdb's directory on the PATH.
 */
export function findPostgresBinDir(env = process.env) {
  const candidates = [];
  if (env.FAULTLINE_PG_BIN) candidates.push(env.FAULTLINE_PG_BIN);
  const pgConfig = onPath('pg_config', env);
  if (pgConfig) {
    try {
      candidates.push(execFileSync(pgConfig, ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    } catch {
      // pg_config is optional; the other places still count
    }
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(debian, v, 'bin'));
  }
  const initdb = onPath('initdb', env);
  if (initdb) candidates.push(dirname(initdb));
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/** busybox as the offline images copy it (support/env/containers/images/rootfs.ts). */
export function findBusybox() {
  return ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
}

/** Debian's chromium (the report test drives it with playwright-core): FAULTLINE_CHROMIUM, else the usual places. */
export function findChromium(env = process.env) {
  if (env.FAULTLINE_CHROMIUM) return env.FAULTLINE_CHROMIUM;
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'].find((p) =>
    existsSync(p),
  );
}

/**
 * The Debian packages the vendored Chaos Toolkit needs under Debian's own Python (no Python registry is
 * reachable here): the interoperability test (test/interop/chaostoolkit.test.ts) runs `chaos validate` and
 * `chaos run` with /usr/bin/python3 — never a pyenv shim, whose Python lacks them.
 */
export const CHAOSTOOLKIT_PYTHON = '/usr/bin/python3';
export const CHAOSTOOLKIT_APT = [
  'python3-click',
  'python3-click-plugins',
  'python3-pythonjsonlogger',
  'python3-charset-normalizer',
  'python3-requests',
  'python3-yaml',
  'python3-importlib-metadata',
  'python3-logzero',
];
const CHAOSTOOLKIT_MODULES =
  'import click, click_plugins, pythonjsonlogger, charset_normalizer, requests, yaml, importlib_metadata, logzero';

/** Whether Debian's Python can import everything the vendored Chaos Toolkit needs. */
export function chaosToolkitPythonReady(python = CHAOSTOOLKIT_PYTHON) {
  if (!existsSync(python)) return false;
  try {
    execFileSync(python, ['-c', CHAOSTOOLKIT_MODULES], { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** setpriv at the one place the local backend runs it from (support/env/local/process.ts). */
export const SETPRIV = '/usr/bin/setpriv';

function firstLine(command, args) {
  try {
    const out = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 15_000,
    });
    return out.split('\n', 1)[0].trim();
  } catch (error) {
    return (error.stdout ?? '').split('\n', 1)[0].trim() || undefined;
  }
}

const versionIn = (line, pattern) => (line === undefined ? undefined : (pattern.exec(line)?.[1] ?? line));

function isStatic(path) {
  try {
    execFileSync('ldd', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return false;
  } catch (error) {
    // ldd exits non-zero for a static binary ("not a dynamic executable").
    return /not a dynamic executable|statically linked/.test(`${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

function accountExists(name) {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const aptHint = (packages) => `apt-get install -y ${packages.join(' ')}`;

/**
 * Every prerequisite this machine can be checked for without a container engine (the engine itself is
 * asked by doctor, which can load Testcontainers). Each finding:
 *   { id, name, backend: 'local'|'containers'|'reports', required, ok, path?, version?, problem?, why,
 *     apt?: [packages], env?: variable, fix? }
 * `fix` is exactly what to do; `apt` the Debian/Ubuntu packages `install --with-deps` installs.
 */
export function checkPrerequisites({
  env = process.env,
  node = { version: process.version, path: process.execPath },
  root = process.getuid?.() === 0,
} = {}) {
  const findings = [];
  const nodeOk = nodeSatisfies(node.version);
  findings.push({
    id: 'node',
    name: 'Node.js',
    backend: 'local',
    required: true,
    ok: nodeOk,
    path: node.path,
    version: node.version.replace(/^v/, ''),
    why: `faultline runs its TypeScript natively: Node ${NODE_RANGE} (package.json engines)`,
    ...(nodeOk
      ? {}
      : {
          problem: `Node ${node.version} is not in ${NODE_RANGE}`,
          fix: `install Node ${NODE_RANGE} (nodejs.org, or \`nvm install 24\`); in a checkout, \`npm run setup\` fetches Node 24 into .toolchain/`,
        }),
  });

  const redis = findRedisServer(env);
  const redisExists = redis !== undefined && existsSync(redis);
  findings.push({
    id: 'redis-server',
    name: 'redis-server',
    backend: 'local',
    required: true,
    ok: redisExists,
    why: 'the local backend runs Redis (the containers backend copies it into its offline image)',
    apt: ['redis-server'],
    env: 'FAULTLINE_REDIS_SERVER',
    ...(redisExists
      ? { path: redis, version: versionIn(firstLine(redis, ['--version']), /v=(\S+)/) }
      : {
          problem: redis
            ? `FAULTLINE_REDIS_SERVER names ${redis}, which does not exist`
            : 'not found (FAULTLINE_REDIS_SERVER unset, not on the PATH)',
          fix: `${aptHint(['redis-server'])} (macOS: brew install redis), or set FAULTLINE_REDIS_SERVER to its path`,
        }),
  });

  const pgBin = findPostgresBinDir(env);
  findings.push({
    id: 'postgres',
    name: 'PostgreSQL server (initdb, postgres)',
    backend: 'local',
    required: true,
    ok: pgBin !== undefined,
    why: 'the local backend runs PostgreSQL in a temp dir (initdb once into a cached template)',
    apt: ['postgresql'],
    env: 'FAULTLINE_PG_BIN',
    ...(pgBin
      ? {
          path: pgBin,
          version: versionIn(firstLine(join(pgBin, 'postgres'), ['--version']), /\(PostgreSQL\)\s+(\S+)/),
        }
      : {
          problem:
            'initdb and postgres not found (FAULTLINE_PG_BIN, pg_config, /usr/lib/postgresql/*/bin, PATH)',
          fix: `${aptHint(['postgresql'])} (macOS: brew install postgresql@15), or set FAULTLINE_PG_BIN to the directory holding initdb and postgres`,
        }),
  });

  // postgres refuses to run as root: as root, the local backend runs it as an unprivileged account through
  // setpriv, so both are required then; otherwise setpriv only adds the parent-death signal.
  if (root) {
    const account = env.FAULTLINE_PG_OS_USER || 'postgres';
    const exists = accountExists(account);
    findings.push({
      id: 'postgres-account',
      name: `account '${account}' to run postgres as`,
      backend: 'local',
      required: true,
      ok: exists,
      why: 'running as root, and postgres refuses to: it runs as this account',
      apt: ['postgresql'],
      env: 'FAULTLINE_PG_OS_USER',
      ...(exists
        ? {}
        : {
            problem: `no account named '${account}'`,
            fix: `useradd --system ${account} (the postgresql package creates 'postgres'), or set FAULTLINE_PG_OS_USER to an unprivileged account`,
          }),
    });
  }
  const setpriv = existsSync(SETPRIV) ? SETPRIV : undefined;
  findings.push({
    id: 'setpriv',
    name: 'setpriv',
    backend: 'local',
    required: root,
    ok: setpriv !== undefined,
    why: root
      ? 'running as root: postgres is started as its account through setpriv; services die with the runner (parent-death signal)'
      : 'services die with the runner even on SIGKILL (parent-death signal); without it only the stdin lifeline guards them',
    apt: ['util-linux'],
    ...(setpriv
      ? { path: setpriv, version: versionIn(firstLine(setpriv, ['--version']), /util-linux\s+(\S+)/) }
      : { problem: `${SETPRIV} not found`, fix: aptHint(['util-linux']) }),
  });

  const busybox = findBusybox();
  const busyboxStatic = busybox !== undefined && isStatic(busybox);
  findings.push({
    id: 'busybox',
    name: 'busybox (static)',
    backend: 'containers',
    required: false,
    ok: busyboxStatic,
    why: 'the offline images (built from this machine when no registry is reachable) carry a static busybox for in-container checks',
    apt: ['busybox-static'],
    ...(busybox ? { path: busybox, version: versionIn(firstLine(busybox, []), /BusyBox v(\S+)/) } : {}),
    ...(busyboxStatic
      ? {}
      : {
          problem: busybox
            ? `${busybox} is linked dynamically`
            : 'not found (/bin/busybox, /usr/bin/busybox)',
          fix: aptHint(['busybox-static']),
        }),
  });

  const docker = onPath('docker', env);
  findings.push({
    id: 'docker-cli',
    name: 'docker CLI',
    backend: 'containers',
    required: false,
    ok: docker !== undefined,
    why: 'faultline talks to the engine API itself; the CLI is for you to inspect what it started (labels faultline.*)',
    apt: ['docker.io'],
    ...(docker
      ? { path: docker, version: versionIn(firstLine(docker, ['--version']), /version\s+([^,\s]+)/) }
      : { problem: 'not on the PATH', fix: `${aptHint(['docker.io'])} (or Docker's own docker-ce-cli)` }),
  });

  // The PromQL steps (support/observe/prometheus/) run a Prometheus per environment: this binary locally,
  // and an image made from it on the containers backend. Only scenarios that read PromQL need it.
  const prometheus = env.FAULTLINE_PROMETHEUS_BINARY || '/usr/bin/prometheus';
  const prometheusExists = existsSync(prometheus);
  findings.push({
    id: 'prometheus',
    name: 'prometheus',
    backend: 'local',
    required: false,
    ok: prometheusExists,
    why: 'the PromQL steps run a Prometheus per environment (the containers backend builds its image from it)',
    apt: ['prometheus'],
    env: 'FAULTLINE_PROMETHEUS_BINARY',
    ...(prometheusExists
      ? { path: prometheus, version: versionIn(firstLine(prometheus, ['--version']), /version\s+(\S+)/) }
      : {
          problem: `${prometheus} not found`,
          fix: `${aptHint(['prometheus'])}, or set FAULTLINE_PROMETHEUS_BINARY to a Prometheus 2.x binary`,
        }),
  });

  const chromium = findChromium(env);
  const chromiumExists = chromium !== undefined && existsSync(chromium);
  findings.push({
    id: 'chromium',
    name: 'chromium',
    backend: 'reports',
    required: false,
    ok: chromiumExists,
    why: 'the report test opens the built Allure report in it (playwright-core, no browser download); it skips without',
    apt: ['chromium'],
    env: 'FAULTLINE_CHROMIUM',
    ...(chromiumExists
      ? { path: chromium, version: versionIn(firstLine(chromium, ['--version']), /Chromium\s+(\S+)/) }
      : {
          problem: chromium ? `FAULTLINE_CHROMIUM names ${chromium}, which does not exist` : 'not found',
          fix: `${aptHint(['chromium'])}, or set FAULTLINE_CHROMIUM to a Chromium binary`,
        }),
  });

  // Resource faults (support/faults/resource/hog.ts) pin stress-ng beside a service as the CPU hog; without
  // it the hog is a busy loop of the runner's Node, which burns a CPU just as well but says less.
  const stress = onPath('stress-ng', env);
  findings.push({
    id: 'stress-ng',
    name: 'stress-ng',
    backend: 'local',
    required: false,
    ok: stress !== undefined,
    why: "the CPU hog of 'a CPU hog runs beside …' (a busy loop of Node stands in without it)",
    apt: ['stress-ng'],
    ...(stress
      ? { path: stress, version: versionIn(firstLine(stress, ['--version']), /version\s+(\S+)/) }
      : { problem: 'not on the PATH', fix: aptHint(['stress-ng']) }),
  });
  return findings;
}
