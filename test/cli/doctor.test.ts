import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import type { Diagnosis } from '../../support/env/doctor.ts';
import { faultline } from '../plan/cli.ts';

// `faultline doctor` on this machine (redis-server and PostgreSQL are installed here): what it reports is
// checked against the tools themselves, and a PATH without redis-server makes it say so and fail.

const dir = mkdtempSync(join(tmpdir(), 'faultline-doctor-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function doctor(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { code, stdout, stderr } = await faultline(['doctor', '--json', ...args], {
    FAULTLINE_REDIS_SERVER: '',
    FAULTLINE_PG_BIN: '',
    ...env,
  });
  assert.doesNotThrow(() => JSON.parse(stdout), `doctor --json printed JSON\n${stdout}\n${stderr}`);
  const diagnosis = JSON.parse(stdout) as Diagnosis;
  const finding = (id: string) => {
    const found = diagnosis.findings.find((f) => f.id === id);
    assert.ok(found, `a finding ${id}`);
    return found;
  };
  return { code, stderr, diagnosis, finding };
}

test('the local backend here: each finding is what the tool itself says; exit 0', async () => {
  const { code, diagnosis, finding, stderr } = await doctor(['--backend', 'local']);
  assert.equal(code, 0, stderr);
  assert.equal(diagnosis.backend, 'local');
  assert.equal(diagnosis.chosenBy, '--backend');
  assert.equal(diagnosis.usable, true);

  const redis = finding('redis-server');
  assert.equal(redis.ok, true);
  const redisPath = execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
  assert.equal(redis.path, redisPath);
  const redisSays = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
  assert.equal(redis.version, /v=(\S+)/.exec(redisSays)?.[1], redisSays);

  const postgres = finding('postgres');
  assert.equal(postgres.ok, true);
  assert.ok(existsSync(join(postgres.path!, 'initdb')), postgres.path);
  const postgresSays = execFileSync(join(postgres.path!, 'postgres'), ['--version'], { encoding: 'utf8' });
  assert.equal(postgres.version, /\(PostgreSQL\) (\S+)/.exec(postgresSays)?.[1], postgresSays);

  const node = finding('node');
  assert.equal(node.ok, true);
  assert.equal(node.version, process.version.slice(1), 'the Node that runs faultline');
  assert.equal(node.path, process.execPath);

  // The containers backend is not judged, but still reported; an engine answers here or it does not.
  assert.equal(finding('engine').backend, 'containers');
  const chromium = finding('chromium');
  assert.equal(chromium.required, false);
});

test('a PATH without redis-server: reported missing with the apt package and the variable, exit 1', async () => {
  // Every program of the PATH but redis-server, so nothing else goes missing with it.
  const bin = mkdtempSync(join(dir, 'bin-'));
  for (const from of (process.env.PATH ?? '').split(delimiter).filter((d) => d && existsSync(d)))
    for (const name of readdirSync(from))
      if (name !== 'redis-server' && !existsSync(join(bin, name)))
        symlinkSync(join(from, name), join(bin, name));
  const { code, diagnosis, finding } = await doctor(['--backend', 'local'], { PATH: bin });
  assert.equal(code, 1);
  assert.equal(diagnosis.usable, false);
  const redis = finding('redis-server');
  assert.equal(redis.ok, false);
  assert.equal(redis.required, true);
  assert.deepEqual(redis.apt, ['redis-server']);
  assert.match(redis.fix ?? '', /apt-get install -y redis-server/);
  assert.match(redis.fix ?? '', /FAULTLINE_REDIS_SERVER/);
  assert.deepEqual(
    diagnosis.findings.filter((f) => f.backend === 'local' && f.required && !f.ok).map((f) => f.id),
    ['redis-server'],
    'only redis-server is missing',
  );
});

test('the readable report: a variable naming a file that is not there is missing, with how to fix it; exit 1', async () => {
  const { code, stdout } = await faultline(['doctor', '--backend', 'local'], {
    FAULTLINE_REDIS_SERVER: '/nonexistent/redis-server',
  });
  assert.equal(code, 1, stdout);
  assert.match(
    stdout,
    /MISSING +redis-server: FAULTLINE_REDIS_SERVER names \/nonexistent\/redis-server, which does not exist\n.*why: .*\n +fix: apt-get install -y redis-server/,
  );
  assert.match(stdout, /the local backend is NOT usable \(--backend\)/);
});

test('a backend that is not one is a usage error (exit 2), naming the accepted ones', async () => {
  const wrong = await faultline(['doctor', '--backend', 'kubernetes']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--backend=kubernetes is not a backend; accepted: local, containers/);
});

test('the Node check reads package.json engines as npm does: >=, ^, ~, partial versions, || and spaces', async () => {
  const { nodeSatisfies } = await import('../../support/env/prerequisites.mjs');
  const modern = '^22.22.0 || ^24.0.0 || >=26.0.0';
  const cases: [string, string, boolean][] = [
    ['v22.18.0', '>=22.18', true],
    ['v22.17.9', '>=22.18', false],
    ['v24.1.0', '>=22.18', true],
    ['v22.22.0', modern, true],
    ['v22.21.9', modern, false],
    ['v23.5.0', modern, false],
    ['v24.0.0', modern, true],
    ['v26.1.0', modern, true],
    ['v20.19.0', modern, false],
    ['v24.1.5', '~24.1', true],
    ['v24.2.0', '~24.1', false],
    ['v24.9.9', '24', true],
    ['v25.0.0', '24', false],
    ['v22.5.0', '>=22 <23', true],
    ['v23.0.0', '>=22 <23', false],
  ];
  for (const [version, range, expected] of cases)
    assert.equal(nodeSatisfies(version, range), expected, `${version} in ${range}`);
  assert.throws(() => nodeSatisfies('v24.0.0', 'lts/*'), /engines\.node .*cannot read "lts\/\*"; accepted: /);
});
