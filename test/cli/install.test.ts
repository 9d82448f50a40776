import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from '../features/cucumber-run.ts';
import { nobodyCanRun, UNREACHABLE } from '../helpers/unprivileged.ts';
import { faultline } from '../plan/cli.ts';

// `faultline install` on this machine, where redis-server and PostgreSQL are installed: with --with-deps as
// root it installs nothing (apt is never run) and says so, twice in a row; without root and without
// redis-server it prints the exact apt-get command and fails, touching nothing.

const dir = mkdtempSync(join(tmpdir(), 'faultline-install-test-'));
chmodSync(dir, 0o755);
after(() => rmSync(dir, { recursive: true, force: true }));

const isRoot = process.getuid?.() === 0;

/**
 * Whether the unprivileged account can run this checkout at all: a clone in a private (0700) directory, as
 * a CI runner may make one, keeps it from the runner's Node and the sources, and then there is nothing to test.
 */
const nobodyReaches = (): boolean => nobodyCanRun(`${ROOT}bin/faultline.ts`);
const DPKG_LOG = '/var/log/dpkg.log';
const dpkgLogSize = () => (existsSync(DPKG_LOG) ? statSync(DPKG_LOG).size : 0);

test('--with-deps as root when everything is installed: nothing installed, and it says so; a second run the same', {
  skip: isRoot ? false : 'needs root (as `install --with-deps` would)',
}, async () => {
  const dpkgBefore = dpkgLogSize();
  const first = await faultline(['install', '--with-deps']);
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  const second = await faultline(['install', '--with-deps']);
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  for (const { stdout } of [second]) {
    assert.match(stdout, /^install: done +redis-server: found \d+\.\d+\.\d+ at \//m);
    assert.match(stdout, /^install: done +PostgreSQL server \(initdb, postgres\): found \d+\.\d+ at \//m);
    assert.match(stdout, /^install: done +PostgreSQL template cluster: .*pg\d+-template \(cached\)$/m);
    assert.match(stdout, /^install: ready: everything was already in place, nothing installed$/m);
  }
  assert.doesNotMatch(`${first.stdout}${second.stdout}`, /installing with apt-get/);
  assert.equal(dpkgLogSize(), dpkgBefore, 'dpkg installed nothing');
});

/** Every program of the PATH but redis-server, in one directory. */
function pathWithoutRedis(): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const from of (process.env.PATH ?? '').split(delimiter).filter((d) => d && existsSync(d)))
    for (const name of readdirSync(from))
      if (name !== 'redis-server' && !existsSync(join(bin, name)))
        symlinkSync(join(from, name), join(bin, name));
  return bin;
}

test('--with-deps without root and without redis-server: the exact command to run, exit 1, nothing run', {
  skip: nobodyReaches() ? false : UNREACHABLE,
}, async () => {
  const cache = join(dir, 'cache');
  mkdirSync(cache, { mode: 0o777 });
  chmodSync(cache, 0o777);
  const dpkgBefore = dpkgLogSize();
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(
      '/usr/bin/setpriv',
      [
        '--reuid',
        '65534',
        '--regid',
        '65534',
        '--clear-groups',
        process.execPath,
        `${ROOT}bin/faultline.ts`,
        'install',
        '--with-deps',
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PATH: pathWithoutRedis(),
          FAULTLINE_REDIS_SERVER: '',
          FAULTLINE_CACHE: cache,
          HOME: dir,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (exitCode) => resolve({ code: exitCode, stdout: out }));
  });
  assert.equal(code, 1, stdout);
  assert.match(stdout, /^install: missing +redis-server: not found .*apt-get install -y redis-server/m);
  assert.match(
    stdout,
    /installing needs root and apt-get: run `sudo npx faultline install --with-deps`, or: sudo apt-get install -y --no-install-recommends redis-server$/m,
  );
  assert.match(stdout, /^install: not ready: see the missing lines above$/m);
  assert.doesNotMatch(stdout, /installing with apt-get/);
  assert.equal(dpkgLogSize(), dpkgBefore);
});

test('a backend install does not know is a usage error (exit 2)', async () => {
  const { code, stderr } = await faultline(['install', '--backend', 'kubernetes']);
  assert.equal(code, 2);
  assert.match(stderr, /--backend kubernetes is not valid; accepted: local, containers, all/);
});
