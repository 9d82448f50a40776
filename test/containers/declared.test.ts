import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { containersBackend } from '../../support/env/containers/backend.ts';
import { image } from '../../support/env/containers/images/resolve.ts';
import { RUN_ID } from '../../support/env/containers/runtime.ts';
import type { Environment } from '../../support/env/environment.ts';
import { wait } from '../../support/system/readiness.ts';
import type { Topology } from '../../support/system/topology.ts';
import { LABEL, labelled, needsEngine } from './engine.ts';

// Declared services on the containers backend: any command line run with this machine's own programs in
// its declared cwd, any image as a container service, and readiness strategies that fail by name.

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

/** The error up() fails with; an environment that comes up after all is taken down before the test fails. */
async function upFails(topology: Topology): Promise<Error> {
  const env = await containersBackend.up(topology, { seed: 1 }).catch((error: Error) => error);
  if (!(env instanceof Error)) {
    await env.down();
    assert.fail(`${topology.name} came up, but its start should have failed`);
  }
  return env;
}

async function get(
  env: Environment,
  service: string,
  path: string,
): Promise<{ status: number; body: string }> {
  const { host, port } = env.endpoint(service);
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
  return { status: response.status, body: await response.text() };
}

test('python3 app.py runs in its cwd with this machine’s python3, wired to a store through the proxy', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const dir = mkdtempSync(join(tmpdir(), 'faultline-declared-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'hello.txt'), 'served from the project folder\n');
  // A user's service as the contract shows it: ['python3', 'app.py'] in its folder, binding loopback
  // unless HOST says otherwise, its store address from the wiring.
  writeFileSync(
    join(dir, 'app.py'),
    [
      'import os, http.server',
      'print("cache at " + os.environ["CACHE_URL"], flush=True)',
      'address = (os.environ.get("HOST", "127.0.0.1"), int(os.environ["PORT"]))',
      'http.server.ThreadingHTTPServer(address, http.server.SimpleHTTPRequestHandler).serve_forever()',
      '',
    ].join('\n'),
  );
  const topology: Topology = {
    name: 'python',
    services: [
      { kind: 'redis', name: 'cache' },
      {
        kind: 'process',
        name: 'api',
        command: ['python3', 'app.py'],
        cwd: dir,
        portEnv: 'PORT',
        readiness: wait.forHttp('/hello.txt'),
        dependsOn: ['cache'],
        env: (w) => ({ CACHE_URL: w.storeUrl('api', 'cache') }),
      },
    ],
    links: [{ from: 'api', to: 'cache' }],
    probes: {},
  };
  const env = await containersBackend.up(topology, { seed: 1 });
  try {
    const answer = await get(env, 'api', '/hello.txt');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'served from the project folder\n');
    assert.ok(
      env.logs('api').some((l) => l.line === 'cache at redis://fault-proxy:8666'),
      `the wiring did not reach the command: ${env
        .logs('api')
        .map((l) => l.line)
        .join(' | ')}`,
    );
    // The command is the container's main process: killing it through control() ends the service.
    await env.control('api').kill();
    assert.equal(env.control('api').alive(), false);
  } finally {
    await env.down();
  }
  assert.deepEqual((await labelled(LABEL.service, 'api', [`${LABEL.run}=${RUN_ID}`])).containers, []);
});

test('a container service runs its image on the run’s network, labelled like every other', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  // An image that exists offline: the redis image the build makes, run as a plain container.
  const redisImage = (await image('redis')).image;
  const topology: Topology = {
    name: 'container',
    services: [
      {
        kind: 'container',
        name: 'search',
        image: redisImage,
        command: ['redis-server', '--port', '7000', '--protected-mode', 'no'],
        port: 7000,
        readiness: wait.forPort(),
        dependsOn: [],
        env: () => ({}),
      },
      {
        kind: 'process',
        name: 'client',
        // Starts once its link to the container exists (the gate waits for it).
        command: ['bash', '-c', 'exec python3 -m http.server "$PORT"'],
        cwd: process.cwd(),
        portEnv: 'PORT',
        readiness: wait.forPort(),
        dependsOn: ['search'],
        env: (w) => ({ SEARCH: `${w.via('client', 'search').host}:${w.via('client', 'search').port}` }),
      },
    ],
    links: [{ from: 'client', to: 'search' }],
    probes: { search: 'redis' },
  };
  const env = await containersBackend.up(topology, { seed: 1 });
  try {
    const labels = await labelled(LABEL.service, 'search', [`${LABEL.run}=${RUN_ID}`]);
    assert.equal(labels.containers.length, 1);
    for (const at of [env.endpoint('search'), env.linkEndpoint('client', 'search')])
      assert.equal(await redisPing(at), '+PONG');
  } finally {
    await env.down();
  }
  assert.deepEqual((await labelled(LABEL.service, 'search', [`${LABEL.run}=${RUN_ID}`])).containers, []);
});

test('a readiness that never holds fails naming the strategy, with the service’s last output', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const topology: Topology = {
    name: 'never-ready',
    services: [
      {
        kind: 'process',
        name: 'quiet',
        command: ['sh', '-c', 'echo "warming up, never listening"; exec sleep 60'],
        cwd: process.cwd(),
        portEnv: 'PORT',
        readiness: wait.forLog(/listening on/, { timeout: 3_000 }),
        dependsOn: [],
        env: () => ({}),
      },
    ],
    links: [],
    probes: {},
  };
  {
    const error = await upFails(topology);
    assert.match(
      error.message,
      /^quiet did not start \(waited up to 3000 ms for a log line matching \/listening on\/\)/,
    );
    assert.match(error.message, /warming up, never listening/);
  }
  assert.deepEqual((await labelled(LABEL.service, 'quiet', [`${LABEL.run}=${RUN_ID}`])).containers, []);
});

test('a service that exits at once fails at once, with its exit code and output, not after its timeout', {
  timeout: 60_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const topology: Topology = {
    name: 'exits',
    services: [
      {
        kind: 'process',
        name: 'boom',
        command: ['sh', '-c', 'echo "config missing" >&2; exit 3'],
        cwd: process.cwd(),
        portEnv: 'PORT',
        readiness: wait.forPort({ timeout: 30_000 }),
        dependsOn: [],
        env: () => ({}),
      },
    ],
    links: [],
    probes: {},
  };
  const started = performance.now();
  {
    const error = await upFails(topology);
    assert.match(
      error.message,
      /^boom did not start \(waited up to 30000 ms for its port to accept a TCP connection\)/,
    );
    assert.match(error.message, /exited \(code 3\)/);
    assert.match(error.message, /config missing/);
  }
  assert.ok(performance.now() - started < 15_000, 'the failed start waited for its timeout');
});

test('a program this machine lacks is refused before anything starts, naming the service and the program', async (t) => {
  if (!(await needsEngine(t))) return;
  const topology: Topology = {
    name: 'missing',
    services: [
      {
        kind: 'process',
        name: 'ghost',
        command: ['no-such-program-here', '--serve'],
        cwd: process.cwd(),
        portEnv: 'PORT',
        readiness: wait.forPort({ timeout: 3_000 }),
        dependsOn: [],
        env: () => ({}),
      },
    ],
    links: [],
    probes: {},
  };
  await assert.rejects(
    containersBackend.up(topology, { seed: 1 }),
    /Error: ghost: 'no-such-program-here' is not a program on this machine's PATH/,
  );
});

function redisPing(at: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(at.port, at.host);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no PING reply from ${at.host}:${at.port}`)));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.end();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}
