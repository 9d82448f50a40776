import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, postgres, redis, service } from '../../support/system/declare.ts';
import { ConfigError, instantiate } from '../../support/system/instantiate.ts';

// Declaring data disks: redis('cache', { disk: '16 MB' }) and a service's disk: { env, size } reach the
// topology in bytes; a size that does not parse, or one too small to fill, is named at its field with what
// is accepted; Postgres has no disk (yet) and says so.

const options = { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' };
const app = (disk?: { env: string; size: string | number }) =>
  service('app', {
    command: ['node', 'app.ts'],
    env: (w) => ({ REDIS_URL: w.url('cache') }),
    ...(disk ? { disk } : {}),
  });

test('a declared disk reaches the topology in bytes', () => {
  const { topology } = instantiate(
    defineSystem({ services: [redis('cache', { disk: '16 MB' }), app({ env: 'DATA_DIR', size: '64 MB' })] }),
    {},
    options,
  );
  assert.deepEqual(topology.services[0], { kind: 'redis', name: 'cache', disk: 16_000_000 });
  assert.deepEqual((topology.services[1] as { disk?: unknown }).disk, { env: 'DATA_DIR', bytes: 64_000_000 });
  const plain = instantiate(defineSystem({ services: [redis('cache'), app()] }), {}, options).topology;
  assert.deepEqual(plain.services[0], { kind: 'redis', name: 'cache' });
  assert.equal((plain.services[1] as { disk?: unknown }).disk, undefined);
});

test('a disk size that does not parse or is too small, a disk on postgres: named at the field', () => {
  const refused = (services: Parameters<typeof defineSystem>[0], pattern: RegExp) =>
    assert.throws(
      () => instantiate(defineSystem(services), {}, options),
      (e: Error) => e instanceof ConfigError && pattern.test(e.message),
    );
  refused(
    { services: [redis('cache', { disk: 'lots' }), app()] },
    /systems\.shop\.services\[0\]\.disk: "lots" is not a size like '16 MB' \(B, KB, MB or GB\) of at least 1 MB/,
  );
  refused(
    { services: [redis('cache', { disk: '10 KB' }), app()] },
    /services\[0\]\.disk: "10 KB" is not a size like '16 MB'/,
  );
  refused(
    { services: [redis('cache'), app({ env: 'DATA DIR', size: '64 MB' })] },
    /services\[1\]\.disk\.env: env: an environment variable name/,
  );
  refused(
    { services: [{ ...postgres('db'), disk: '16 MB' }, redis('cache'), app()] },
    /services\[0\]: Unrecognized key: "disk"/,
  );
});
