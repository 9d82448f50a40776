import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, service } from '../../support/system/declare.ts';
import { ConfigError, instantiate } from '../../support/system/instantiate.ts';

// Declaring where a service serves Prometheus metrics: `metrics: {}` is GET /metrics on its main port and
// reaches the topology with that default; a path must be one, and a named port must be one it declares.

const options = { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' };
const app = (metrics?: { path?: string; port?: string }) =>
  service('app', {
    command: ['node', 'app.ts'],
    ports: { admin: { env: 'ADMIN_PORT' } },
    ...(metrics ? { metrics } : {}),
  });

test('a metrics declaration reaches the topology, /metrics on the main port by default', () => {
  const of = (metrics?: { path?: string; port?: string }) =>
    (
      instantiate(defineSystem({ services: [app(metrics)] }), {}, options).topology.services[0] as {
        metrics?: unknown;
      }
    ).metrics;
  assert.deepEqual(of({}), { path: '/metrics' });
  assert.deepEqual(of({ path: '/prom', port: 'admin' }), { path: '/prom', port: 'admin' });
  assert.equal(of(), undefined);
});

test('a metrics path that is not one, or a port the service does not declare, is named', () => {
  assert.throws(
    () => instantiate(defineSystem({ services: [app({ path: 'metrics' })] }), {}, options),
    (e: Error) =>
      e instanceof ConfigError && /metrics\.path: expected a path starting with '\/'/.test(e.message),
  );
  assert.throws(
    () => instantiate(defineSystem({ services: [app({ port: 'stats' })] }), {}, options),
    (e: Error) =>
      e instanceof ConfigError &&
      /systems\.shop: topology 'shop': app's metrics name port 'stats', which it does not declare \(declared: admin\)/.test(
        e.message,
      ),
  );
});
