import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsOf } from '../../support/faults/security/credentials.ts';
import {
  defineSystem,
  postgres,
  redis,
  type SystemDeclaration,
  service,
} from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';

// A system declares the user its clients connect to each store as, and the file it reads the secret from:
// checked where declared (a store of the topology, a plain user name, an absolute path), and a security step
// on a store without credentials names what to add.

const api = service('api', { command: ['node', 'api.ts'], env: (w) => ({ DB: w.url('postgres') }) });
const build = (extra: Record<string, unknown>) =>
  instantiate(
    defineSystem({ services: [api, postgres(), redis()], ...extra } as SystemDeclaration),
    {},
    { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' },
  );

test('credentials are checked where declared: a store of the system, a plain user, an absolute secret file', () => {
  assert.throws(
    () => build({ credentials: { api: { user: 'app', secretFile: '/s/api' } } }),
    /systems\.shop\.credentials\.api: 'api' is not a Redis or Postgres store of the system; its stores: postgres, redis/,
  );
  assert.throws(
    () => build({ credentials: { postgres: { user: 'App User', secretFile: '/s/pg' } } }),
    /systems\.shop\.credentials\.postgres\.user: a user is lower-case letters, digits and underscores/,
  );
  assert.throws(
    () => build({ credentials: { postgres: { user: 'app', secretFile: 'secrets/pg' } } }),
    /systems\.shop\.credentials\.postgres\.secretFile: secretFile must be an absolute path/,
  );
  assert.throws(
    () => build({ credentials: { postgres: { user: 'app' } } }),
    /systems\.shop\.credentials\.postgres\.secretFile: expected secretFile/,
  );
  const ok = build({ credentials: { postgres: { user: 'app', secretFile: '/s/pg' } } });
  assert.deepEqual(credentialsOf(ok, 'postgres', 'a step'), { user: 'app', secretFile: '/s/pg' });
});

test('a security step on a store without credentials says what to declare', () => {
  const bare = build({});
  assert.throws(
    () => credentialsOf(bare, 'redis', '"the redis password is rotated"'),
    /"the redis password is rotated" needs the system 'shop' to declare the user it connects to redis as: add credentials: \{ redis: \{ user: '…', secretFile: '…' \} \}/,
  );
  const some = build({ credentials: { postgres: { user: 'app', secretFile: '/s/pg' } } });
  assert.throws(() => credentialsOf(some, 'redis', 'a step'), /\(it declares credentials for: postgres\)/);
  // Set after start (by prepare(), as the reference platform does) and wrong: checked when read.
  const declaration = { services: [api, postgres(), redis()] } as SystemDeclaration;
  const later = instantiate(defineSystem(declaration), {}, { name: 'shop', baseDir: '/tmp', origin: 'x' });
  declaration.credentials = { redis: { user: 'app', secretFile: 'relative' } };
  assert.throws(
    () => credentialsOf(later, 'redis', 'a step'),
    /declares credentials\.redis wrongly: secretFile: secretFile must be an absolute path/,
  );
});
