import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../../support/cleanup/tmp.ts';
import type { Environment } from '../../support/env/environment.ts';
import { guardFile, guardLink, guardService, isLoopback, TargetRefused } from '../../support/faults/guard.ts';
import { partition } from '../../support/faults/network/partition.ts';
import { crash } from '../../support/faults/process/crash.ts';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import type { Endpoint } from '../../support/system/topology.ts';
import { inertControl } from '../helpers/control.ts';
import { pairTopology } from '../helpers/pair.ts';

// The guard decides from addresses and paths alone, before anything is applied: an environment object
// whose addresses are chosen per test is all it needs (nothing is contacted).

const topology = pairTopology([{ from: 'client', to: 'service' }]);

function environment(opts: { backend?: string; proxyUrl?: string; host?: string } = {}): Environment {
  const at = (port: number): Endpoint => ({ host: opts.host ?? '127.0.0.1', port });
  return {
    backend: opts.backend ?? 'local',
    topology,
    toxiproxy: new ToxiproxyClient(opts.proxyUrl ?? 'http://127.0.0.1:8474'),
    endpoint: () => at(4000),
    linkEndpoint: () => at(5000),
    storeUrl: () => '',
    control: () => ({
      ...inertControl(),
      kill: async () => {
        throw new Error('the guard must refuse before anything is killed');
      },
    }),
    logs: () => [],
    lifecycle: () => [],
    down: async () => {},
  };
}

test('loopback addresses are recognised, others are not', () => {
  for (const host of ['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])
    assert.ok(isLoopback(host), host);
  for (const host of ['10.0.0.5', '0.0.0.0', 'example.com', '::', '128.0.0.1'])
    assert.ok(!isLoopback(host), host);
});

test('faults on loopback services and links of the running topology are allowed', () => {
  const env = environment();
  guardService(env, 'service', {});
  guardLink(env, { from: 'client', to: 'service' }, {});
  assert.equal(partition(env, 'client', 'service').kind, 'partition');
});

test('a service that is not in the topology is refused, naming the known ones', () => {
  assert.throws(
    () => crash(environment(), 'payments-db'),
    (error: Error) =>
      error instanceof TargetRefused &&
      /refusing to inject a fault into 'payments-db': unknown service 'payments-db' in topology 'pair'; known services: client, service/.test(
        error.message,
      ),
  );
});

test('a fault proxy off this machine is refused unless FAULTLINE_ALLOW_TARGETS names it', () => {
  const env = environment({ proxyUrl: 'http://10.0.0.5:8474' });
  assert.throws(
    () => guardLink(env, { from: 'client', to: 'service' }, {}),
    /refusing to inject a fault into the fault proxy http:\/\/10\.0\.0\.5:8474 at 10\.0\.0\.5:8474: .* set FAULTLINE_ALLOW_TARGETS=10\.0\.0\.5 \(/,
  );
  guardLink(env, { from: 'client', to: 'service' }, { FAULTLINE_ALLOW_TARGETS: 'staging, 10.0.0.5' });
  guardLink(env, { from: 'client', to: 'service' }, { FAULTLINE_ALLOW_TARGETS: '10.0.0.5:8474' });
  assert.throws(() =>
    guardLink(env, { from: 'client', to: 'service' }, { FAULTLINE_ALLOW_TARGETS: '10.0.0.5:9999' }),
  );
});

test('a process or link at a remote address is refused on the local backend, allowed by * or its host', () => {
  const env = environment({ host: 'db.prod.internal' });
  assert.throws(() => guardService(env, 'service', {}), /service 'service' at db\.prod\.internal:4000/);
  assert.throws(
    () => guardLink(env, { from: 'client', to: 'service' }, {}),
    /link client-to-service at db\.prod\.internal:5000/,
  );
  guardService(env, 'service', { FAULTLINE_ALLOW_TARGETS: '*' });
  guardLink(env, { from: 'client', to: 'service' }, { FAULTLINE_ALLOW_TARGETS: 'db.prod.internal' });
});

test('the containers backend hands out only containers it started, wherever the engine publishes them', () => {
  const env = environment({
    backend: 'containers',
    host: 'docker-host',
    proxyUrl: 'http://docker-host:32768',
  });
  guardService(env, 'service', {});
  guardLink(env, { from: 'client', to: 'service' }, {});
});

test('files are rewritten only inside a directory this run created, or an allowed one', async () => {
  const ours = await makeTempDir('guard');
  const foreign = mkdtempSync(join(tmpdir(), 'guard-foreign-'));
  try {
    guardFile(join(ours.path, 'pki', 'worker-1.crt'), 'a certificate', {});
    assert.throws(
      () => guardFile(join(foreign, 'worker-1.crt'), 'a certificate', {}),
      /refusing to rewrite .*worker-1\.crt \(a certificate\): it is not inside a directory this run created/,
    );
    assert.throws(() => guardFile(`${ours.path}-sibling/x.crt`, 'a certificate', {}), TargetRefused);
    guardFile(join(foreign, 'worker-1.crt'), 'a certificate', { FAULTLINE_ALLOW_TARGETS: foreign });
  } finally {
    await ours.remove();
    rmSync(foreign, { recursive: true, force: true });
  }
  assert.throws(() => guardFile(join(ours.path, 'x.crt'), 'a certificate', {}), TargetRefused);
});
