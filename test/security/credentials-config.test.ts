import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialsOf } from '../../support/faults/security/credentials.ts';
import type { PlanNotes } from '../../support/plan/meaning.ts';
import { SECURITY } from '../../support/plan/meanings/security.ts';
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
    /systems\.shop\.credentials\.postgres\.secretFile: expected how the system is handed the secret: secretFile: '\/abs\/path' \(a file the system re-reads\) or secretEnv: \{ variable, services \}/,
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

// The second way: an env var some of the system's services read at start (a rotation restarts them with it).
const workers = service('worker', { command: ['node', 'worker.ts'], replicas: 3, env: { PGPASSWORD: 's' } });
const buildWith = (credentials: Record<string, unknown>) =>
  instantiate(
    defineSystem({ services: [api, workers, postgres(), redis()], credentials } as SystemDeclaration),
    {},
    { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' },
  );

test('secretEnv: exactly one of secretFile and secretEnv; its variable and services are checked where declared', () => {
  assert.throws(
    () =>
      buildWith({
        postgres: {
          user: 'app',
          secretFile: '/s/pg',
          secretEnv: { variable: 'PGPASSWORD', services: ['api'] },
        },
      }),
    /systems\.shop\.credentials\.postgres\.secretEnv: give one of secretFile or secretEnv, not both: secretFile: '\/abs\/path' \(a file the system re-reads\) or secretEnv/,
  );
  assert.throws(
    () => buildWith({ postgres: { user: 'app', secretEnv: { variable: 'PG PASSWORD', services: ['api'] } } }),
    /credentials\.postgres\.secretEnv\.variable: a variable is letters, digits and underscores, e.g\. PGPASSWORD/,
  );
  assert.throws(
    () => buildWith({ postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: [] } } }),
    /credentials\.postgres\.secretEnv\.services: list at least one service that reads the variable at start/,
  );
  assert.throws(
    () => buildWith({ postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD' } } }),
    /credentials\.postgres\.secretEnv\.services: expected services: \['api'\]/,
  );
  assert.throws(
    () =>
      buildWith({
        postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['api', 'apx'] } },
      }),
    /systems\.shop\.credentials\.postgres\.secretEnv\.services\[1\]: there is no service 'apx' of the system's own that could read PGPASSWORD \(a store's env is faultline's\); its services: api, worker/,
  );
  assert.throws(
    () =>
      buildWith({ postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['redis'] } } }),
    /secretEnv\.services\[0\]: there is no service 'redis' of the system's own/,
  );
});

test('secretEnv: a replicated service stands for all its replicas; a replica may be named alone', () => {
  const all = buildWith({
    postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['worker', 'api'] } },
  });
  assert.deepEqual(credentialsOf(all, 'postgres', 'a step'), {
    user: 'app',
    secretEnv: { variable: 'PGPASSWORD', services: ['worker-1', 'worker-2', 'worker-3', 'api'] },
  });
  const one = buildWith({
    postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['worker-2'] } },
  });
  assert.deepEqual(credentialsOf(one, 'postgres', 'a step').secretEnv?.services, ['worker-2']);
  // Set after start (by prepare()) naming a service the system does not run: refused when read.
  const declaration = { services: [api, postgres()] } as SystemDeclaration;
  const later = instantiate(defineSystem(declaration), {}, { name: 'shop', baseDir: '/tmp', origin: 'x' });
  declaration.credentials = {
    postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['web'] } },
  };
  assert.throws(
    () => credentialsOf(later, 'postgres', 'a step'),
    /declares credentials\.postgres\.secretEnv\.services with 'web', which is not a service of its own that could read PGPASSWORD; its services: api/,
  );
});

test('the plan says how a rotation tells the system: its secret file, or its env var and which services restart', () => {
  const rotated = SECURITY['^the (\\S+) password is rotated$']!;
  const planned = (system: ReturnType<typeof buildWith> | undefined) => {
    const notes: PlanNotes = { scale: {}, system: [], faults: [], loads: [], aborts: [] };
    notes.topology = system?.topology;
    notes.credentials = system?.credentials;
    rotated.note?.(['postgres'], notes);
    return notes.faults[0]!;
  };
  const env = planned(
    buildWith({ postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['worker'] } } }),
  );
  assert.equal(
    env.fault,
    'credential rotation (PGPASSWORD set to the new secret and worker-1, worker-2, worker-3 restarted with it; sessions ended)',
  );
  assert.equal(
    env.duration,
    'until rollback (the old password put back, worker-1, worker-2, worker-3 restarted with their env as it was)',
  );
  const file = planned(buildWith({ postgres: { user: 'app', secretFile: '/s/pg' } }));
  assert.equal(file.fault, 'credential rotation (new secret written to /s/pg; sessions ended)');
  // Set by prepare() (the reference platform): not known before the run.
  assert.match(planned(buildWith({})).fault, /its secret file, or its env var and a restart of the services/);
});
