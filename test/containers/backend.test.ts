import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, test } from 'node:test';
import { containersBackend } from '../../support/env/containers/backend.ts';
import { RUN_ID } from '../../support/env/containers/runtime.ts';
import type { Environment } from '../../support/env/environment.ts';
import { probe } from '../../support/faults/probe.ts';
import { proxyName, type Topology } from '../../support/system/topology.ts';
import { referenceSystem } from '../helpers/reference.ts';
import { LABEL, labelled, needsEngine, until } from './engine.ts';

// The containers backend against a real engine: the reference topology up and down with nothing left, and
// process faults through control() that really take effect in the engine.

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

async function get(env: Environment, service: string, path: string, timeoutMs = 2_000): Promise<number> {
  const { host, port } = env.endpoint(service);
  const response = await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  await response.arrayBuffer();
  return response.status;
}

test('the reference topology comes up wired through the proxy and goes down leaving nothing', {
  timeout: 180_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const { topology } = await referenceSystem({ workers: 5 });
  const env = await containersBackend.up(topology, { seed: 7 });
  let downed = false;
  try {
    assert.equal(env.backend, 'containers');
    // Every link is a proxy of the fault proxy, each listening where the harness can reach it.
    const proxies = await env.toxiproxy.proxies();
    assert.deepEqual(proxies.map((p) => p.name).sort(), topology.links.map(proxyName).sort());
    for (const p of proxies) assert.match(p.upstream, /^(redis|postgres|controller|worker-\d):\d+$/);
    assert.equal(await get(env, 'controller', '/healthz'), 200);
    // The stores answer directly and through their links.
    assert.ok((await probe('redis', env.endpoint('redis'), 2_000)).replied);
    assert.ok((await probe('postgres', env.linkEndpoint('controller', 'postgres'), 2_000)).replied);
    assert.ok((await probe('http', env.linkEndpoint('controller', 'worker-3'), 2_000)).replied);
    // The controller registers all five workers through the worker → controller links.
    const registered = await until(async () => {
      const { host, port } = env.endpoint('controller');
      const r = await fetch(`http://${host}:${port}/v1/workers`).then(
        (x) => x.json() as Promise<{ workers: unknown[] }>,
      );
      return r.workers.length === 5;
    }, 20_000);
    assert.ok(registered, 'the controller did not see 5 workers');
    for (const s of topology.services) assert.ok(env.control(s.name).alive(), `${s.name} is not alive`);
    assert.ok(
      env.logs('controller').some((l) => l.line.includes('"listening"')),
      'controller logs not captured',
    );
    const envId = (env as Environment & { id: string }).id;
    await env.down();
    downed = true;
    // The environment's own containers are gone at once; the proxy and the stores wait for the next one.
    assert.deepEqual((await labelled(LABEL.env, envId)).containers, []);
    await containersBackend.shutdown();
    assert.deepEqual(await labelled(LABEL.run, RUN_ID), { containers: [], networks: [] });
  } finally {
    if (!downed) await env.down();
  }
});

test('kill, pause, resume and restart through control() take effect in the engine', {
  timeout: 180_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const { topology } = await referenceSystem({ workers: 1 });
  const env = await containersBackend.up(topology, { seed: 7 });
  try {
    const worker = env.control('worker-1');
    const client = await (await import('../../support/env/containers/runtime.ts')).runtime();
    const container = () =>
      client.container.dockerode.getContainer(
        `faultline-${(env as Environment & { id: string }).id}-worker-1`,
      );

    // pause: the process is frozen, so the worker accepts nothing within the probe's window; resume: it answers.
    await worker.pause();
    assert.equal((await container().inspect()).State.Paused, true);
    assert.equal(worker.alive(), true, 'a paused process is alive');
    assert.equal((await probe('http', env.endpoint('worker-1'), 500)).replied, false);
    await worker.resume();
    assert.equal((await container().inspect()).State.Paused, false);
    assert.equal(await get(env, 'worker-1', '/healthz'), 200);

    // kill: SIGKILL, so the container exits 137 and the port answers nothing.
    await worker.kill();
    const killed = await container().inspect();
    assert.equal(killed.State.Running, false);
    assert.equal(killed.State.ExitCode, 137);
    assert.equal(worker.alive(), false);

    // restart: up again (on a new mapped port) and serving.
    await worker.restart();
    assert.equal(worker.alive(), true);
    assert.equal((await container().inspect()).State.Running, true);
    assert.equal(await get(env, 'worker-1', '/healthz'), 200);

    // A crash that no control() call caused is seen through the engine's events.
    await container().kill({ signal: 'SIGKILL' });
    assert.ok(await until(() => !worker.alive(), 5_000), 'alive() did not notice an outside kill');
  } finally {
    await env.down();
  }
});

test('the next environment gets clean stores emptied, faulted ones replaced, and one proxy per alias', {
  timeout: 180_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const { topology } = await referenceSystem({ workers: 1 });
  const first = await containersBackend.up(topology, { seed: 7 });
  const firstRedis = first.endpoint('redis');
  await redisCommand(firstRedis, 'SET leftover 1');
  await first.control('postgres').pause();
  const pausedPostgres = (first as Environment & { id: string }).id;
  await first.down();
  // More workers, more links than the first proxy publishes: a new proxy, and the old one must go, or two
  // containers would answer to the proxy's alias and split the traffic between old and new links.
  const second = await containersBackend.up((await referenceSystem({ workers: 3 })).topology, { seed: 7 });
  try {
    const proxies = await labelled(LABEL.service, 'fault-proxy', [`${LABEL.run}=${RUN_ID}`]);
    assert.equal(proxies.containers.length, 1, `fault-proxy containers: ${proxies.containers.join(', ')}`);
    // The clean redis came back empty; the paused postgres was replaced.
    assert.equal(await redisCommand(second.endpoint('redis'), 'EXISTS leftover'), ':0');
    const client = await (await import('../../support/env/containers/runtime.ts')).runtime();
    const old = await client.container.dockerode
      .getContainer(`faultline-${pausedPostgres}-postgres`)
      .inspect()
      .catch(() => undefined);
    assert.equal(old, undefined, 'the paused postgres container still exists');
    assert.ok((await probe('postgres', second.endpoint('postgres'), 2_000)).replied);
  } finally {
    await second.down();
  }
});

function redisCommand(at: { host: string; port: number }, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(at.port, at.host);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (d) => {
      socket.end();
      resolve(d.toString().trim());
    });
    socket.once('error', reject);
  });
}

test('a start that fails names the service, shows its output and leaves none of its containers', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const topology: Topology = {
    name: 'broken',
    services: [
      { kind: 'redis', name: 'redis' },
      {
        kind: 'process',
        name: 'crasher',
        command: ['node', 'fixtures/no-such-entry.ts'],
        cwd: process.cwd(),
        readiness: { kind: 'log', pattern: /"msg":"listening"/, timeoutMs: 30_000 },
        portEnv: 'CRASHER_PORT',
        dependsOn: ['redis'],
        env: (w) => ({ REDIS_URL: w.storeUrl('crasher', 'redis') }),
      },
      // Waits for the crasher to listen, which it never will: the failure must end that wait at once.
      {
        kind: 'process',
        name: 'dependent',
        command: ['node', 'fixtures/platform/worker/main.ts'],
        cwd: process.cwd(),
        readiness: { kind: 'log', pattern: /"msg":"listening"/, timeoutMs: 30_000 },
        portEnv: 'WORKER_PORT',
        dependsOn: ['crasher'],
        env: () => ({}),
      },
    ],
    links: [{ from: 'crasher', to: 'redis' }],
    probes: {},
  };
  const started = performance.now();
  await assert.rejects(containersBackend.up(topology, { seed: 7 }), (error: Error) => {
    assert.match(error.message, /^crasher did not start/);
    assert.match(error.message, /no-such-entry\.ts/, 'the container’s own output is missing from the error');
    return true;
  });
  assert.ok(performance.now() - started < 20_000, 'the failed start waited for a timeout');
  for (const name of ['crasher', 'dependent'])
    assert.deepEqual((await labelled(LABEL.service, name, [`${LABEL.run}=${RUN_ID}`])).containers, []);
});
