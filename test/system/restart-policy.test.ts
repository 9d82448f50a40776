import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, type ServiceDeclaration, service } from '../../support/index.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import type { ProcessService } from '../../support/system/topology.ts';

// A restart policy is declared per service in the public API and checked like the rest of a declaration:
// the defaults filled in, a wrong policy or backoff named at its field with what is accepted.

const topologyOf = (declared: ServiceDeclaration) =>
  instantiate(
    defineSystem({ services: [declared] }),
    {},
    { name: 'shop', baseDir: '/srv', origin: 'shop.config.ts' },
  ).topology;

test('a declared restart policy reaches the topology with its defaults; never and none mean none', () => {
  const [api] = topologyOf(service('api', { command: ['./api'], restart: { policy: 'on-failure' } }))
    .services as ProcessService[];
  assert.deepEqual(api?.restart, {
    policy: 'on-failure',
    backoff: { initialMs: 1_000, maxMs: 30_000, resetMs: 10_000 },
  });
  const [fast] = topologyOf(
    service('api', {
      command: ['./api'],
      restart: { policy: 'always', backoff: { initialMs: 50, maxMs: 800 } },
    }),
  ).services as ProcessService[];
  assert.deepEqual(fast?.restart, {
    policy: 'always',
    backoff: { initialMs: 50, maxMs: 800, resetMs: 10_000 },
  });
  const [never] = topologyOf(service('api', { command: ['./api'], restart: { policy: 'never' } }))
    .services as ProcessService[];
  assert.equal(never?.restart, undefined);
});

test('a wrong restart policy or backoff is an error at its field, saying what is accepted', () => {
  const bad = (restart: unknown) => () =>
    topologyOf(service('api', { command: ['./api'], restart: restart as { policy: 'always' } }));
  assert.throws(
    bad({ policy: 'sometimes' }),
    /services\[0\]\.restart\.policy.*expected restart\.policy: 'always', 'on-failure' or 'never'/s,
  );
  assert.throws(
    bad({ policy: 'always', backoff: { initialMs: 5_000, maxMs: 1_000 } }),
    /restart\.backoff.*backoff\.initialMs must not exceed backoff\.maxMs/s,
  );
  assert.throws(bad({ policy: 'always', backoff: { initial: 5 } }), /restart\.backoff.*initial/s);
});
