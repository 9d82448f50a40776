import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sweepLeftovers } from '../../support/env/containers/sweep.ts';
import { PrometheusClient } from '../../support/observe/prometheus/client.ts';
import { startContainerPrometheus } from '../../support/observe/prometheus/container.ts';
import { awaitTargetsUp } from '../../support/observe/prometheus/index.ts';
import { LABEL, labelled, leftoverProcess, needsEngine, until } from '../containers/engine.ts';

// The containers backend's Prometheus: the image made offline from /usr/bin/prometheus, on the host's
// network, scrapes a loopback endpoint of the runner and answers queries; stopped, it is gone; the
// Prometheus of a run killed with SIGKILL carries that run's owner labels, so the next run's sweep removes it.

const ROOT = new URL('../../', import.meta.url).href;

test('the container Prometheus scrapes a loopback endpoint of the runner and is removed when stopped', {
  timeout: 180_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const server = createServer((_req, res) => res.end('known_answer 42\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const t0 = performance.now();
  const prometheus = await startContainerPrometheus(
    [{ job: 'known', address: `127.0.0.1:${port}` }],
    undefined,
  );
  try {
    const client = new PrometheusClient(prometheus.url);
    await awaitTargetsUp(client, 1);
    t.diagnostic(
      `container Prometheus up with its target scraped in ${Math.round(performance.now() - t0)} ms`,
    );
    const [series] = await client.query('known_answer');
    assert.deepEqual(
      series?.values.map(([, v]) => v),
      [42],
    );
    assert.equal(series?.metric.job, 'known');
  } finally {
    await prometheus.stop();
    server.close();
  }
  const name = prometheus.where.match(/container (\S+)/)?.[1];
  assert.ok(name);
  const left = await labelled(LABEL.service, 'prometheus');
  assert.ok(!left.containers.includes(name), `${name} is still there`);
});

test("a dead run's Prometheus container is removed by the next run's sweep", {
  timeout: 180_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const code = `
    const { startContainerPrometheus } = await import('${ROOT}support/observe/prometheus/container.ts');
    const { RUN_ID } = await import('${ROOT}support/env/containers/runtime.ts');
    await startContainerPrometheus([], undefined);
    console.log('RUN ' + RUN_ID);
    setInterval(() => {}, 1000);
  `;
  const leftover = leftoverProcess(code);
  const { child } = leftover;
  const run = await leftover.run;
  const mine = () => labelled(LABEL.run, run, [`${LABEL.service}=prometheus`]);
  assert.equal((await mine()).containers.length, 1);
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  await sweepLeftovers();
  assert.ok(await until(async () => (await mine()).containers.length === 0, 10_000), 'swept');
});
