import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { containersBackend } from '../../support/env/containers/backend.ts';
import type { Backend, Environment } from '../../support/env/environment.ts';
import { localBackend } from '../../support/env/local/backend.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { accountOf } from '../../support/faults/security/account.ts';
import { credentialsOf } from '../../support/faults/security/credentials.ts';
import { credentialChanged } from '../../support/faults/security/rotation.ts';
import { withPostgres } from '../../support/faults/stores/store.ts';
import { seeded } from '../../support/random.ts';
import { defineSystem, postgres, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import { needsEngine } from '../containers/engine.ts';

// The second way a system is handed a store's secret: an env var its service reads at start (secretEnv).
// A tiny Node service (secret-env/service.mjs) logs in to Postgres as `app` with PGPASSWORD; the rotation
// changes the role's password and restarts the service with PGPASSWORD set to the new secret — on the local
// backend a new process, on the containers backend a new container under the same name, alias and ports
// (a container's env is fixed at creation). Checked: the restart is the harness's in the lifecycle, the
// service runs with the new secret and is logged in with it, the old secret is refused, and the undo puts
// the password and the service's env back (restarting it again).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIRST = 'first-app-secret';
const fingerprint = (secret: string) => createHash('sha256').update(secret).digest('hex').slice(0, 12);

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

const system = instantiate(
  defineSystem({
    services: [
      postgres(),
      service('app', {
        command: ['node', 'test/security/secret-env/service.mjs'],
        cwd: ROOT,
        env: (w) => ({ DATABASE_URL: w.url('postgres'), PGUSER: 'app', PGPASSWORD: FIRST }),
        // Under a policy: the rotation's restart is held from its supervisor, and its later restarts keep the
        // new secret.
        restart: { policy: 'always', backoff: { initialMs: 100 } },
      }),
      // Calls the app through its link: after the app is recreated, the proxy must still reach it by name.
      service('caller', {
        command: ['node', 'test/helpers/process-service.mjs'],
        cwd: ROOT,
        env: (w) => ({ CALLS: `http://${w.address('app')}/whoami` }),
      }),
    ],
    credentials: { postgres: { user: 'app', secretEnv: { variable: 'PGPASSWORD', services: ['app'] } } },
  }),
  {},
  { name: 'secret-env', baseDir: ROOT, origin: 'test/security/secret-env.test.ts' },
);

/** GET /whoami of the app, directly (or through the link caller → app: the fault proxy). */
async function whoami(
  env: Environment,
  throughLink = false,
): Promise<{ status: number; user?: string; fingerprint?: string }> {
  const { host, port } = throughLink ? env.linkEndpoint('caller', 'app') : env.endpoint('app');
  try {
    const response = await fetch(`http://${host}:${port}/whoami`, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, ...((await response.json()) as object) };
  } catch {
    return { status: 0 };
  }
}

/** The service answers as `app`, started with the secret of this fingerprint (within 10 s). */
async function loggedInWith(env: Environment, secret: string): Promise<void> {
  let last: Awaited<ReturnType<typeof whoami>> = { status: 0 };
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    last = await whoami(env);
    if (last.status === 200 && last.fingerprint === fingerprint(secret)) break;
  }
  assert.deepEqual(
    { status: last.status, user: last.user, fingerprint: last.fingerprint },
    { status: 200, user: 'app', fingerprint: fingerprint(secret) },
  );
}

async function rotateOn(t: TestContext, backend: Backend): Promise<void> {
  const env = await backend.up(system.topology, { seed: 1 });
  t.after(() => env.down());
  // The system's user, as a migration would create it (a reused store may have it from an earlier run).
  await withPostgres(env, 'postgres', async (c) => {
    await c.query(
      `do $$ begin if not exists (select from pg_roles where rolname = 'app') then create role app login; end if; end $$`,
    );
    await c.query(`alter role app login password '${FIRST}'`);
  });
  await loggedInWith(env, FIRST);
  const control = env.control('app');
  const startsBefore = env.lifecycle('app').filter((e) => e.event === 'started').length;
  const incarnation = control.incarnation();

  const ledger = new FaultLedger();
  const credentials = credentialsOf(system, 'postgres', 'the test');
  const t0 = performance.now();
  const record = await ledger.inject(
    credentialChanged(env, 'postgres', credentials, { tell: true, random: seeded(11) }),
  );
  const applyMs = Math.round(performance.now() - t0);
  const evidence = record.evidence.join('\n');
  const restartMs = Number(
    /app restarted with PGPASSWORD set to the new secret \(app in (\d+) ms\)/.exec(evidence)?.[1],
  );
  assert.ok(restartMs > 0, evidence);
  assert.match(evidence, /with the old secret is refused: password authentication failed for user "app"/);
  assert.match(record.description, /rotated \(the system told through PGPASSWORD of app \(restarted\)\)/);

  // Restarted by the harness, with the new secret in its env, and logged in with it.
  const rotated = control.env?.().override.PGPASSWORD;
  assert.ok(rotated && rotated !== FIRST, 'the service runs with a new PGPASSWORD');
  assert.equal(control.env?.().composed.PGPASSWORD, FIRST, 'the composed env is left as declared');
  assert.notEqual(control.incarnation(), incarnation);
  const starts = env.lifecycle('app').filter((e) => e.event === 'started');
  assert.equal(starts.length, startsBefore + 1);
  assert.equal(starts.at(-1)?.by, 'harness');
  // The old incarnation's exit is in the record too, just before the new start.
  const events = env.lifecycle('app');
  assert.deepEqual(
    events.slice(-2).map((e) => [e.event, e.incarnation === incarnation]),
    [
      ['exited', true],
      ['started', false],
    ],
    JSON.stringify(events),
  );
  await loggedInWith(env, rotated);
  assert.equal(
    (await whoami(env, true)).fingerprint,
    fingerprint(rotated),
    'the link caller → app reaches the new one',
  );
  const account = accountOf(env, 'postgres', 'app');
  assert.match((await account.login(FIRST))!, /password authentication failed/);
  assert.equal(await account.login(rotated), undefined);
  // A crash while the rotation holds: its supervisor starts it again with the env it ran with, the new secret.
  await control.kill();
  await control.restart();
  await loggedInWith(env, rotated);
  const startsHeld = env.lifecycle('app').filter((e) => e.event === 'started').length;

  assert.deepEqual(await ledger.rollback(), []);
  assert.equal(record.felt?.ok, true, record.felt?.evidence);
  assert.match(record.felt!.evidence, /the system logged in to postgres as app with the new secret/);
  // The undo: the old password and the declared env back, the service restarted once more with it.
  assert.deepEqual(control.env?.().override, {});
  assert.equal(env.lifecycle('app').filter((e) => e.event === 'started').length, startsHeld + 1);
  assert.equal(env.lifecycle('app').at(-1)?.by, 'harness');
  await loggedInWith(env, FIRST);
  assert.equal((await whoami(env, true)).fingerprint, fingerprint(FIRST));
  assert.equal(await account.login(FIRST), undefined);
  assert.match((await account.login(rotated))!, /password authentication failed/);
  t.diagnostic(
    `${backend.name}: restart of app with the new secret ${restartMs} ms; whole apply ${applyMs} ms`,
  );
}

test('local: the rotation restarts the service with the new PGPASSWORD; it logs in with it; the undo puts it back', {
  timeout: 120_000,
}, async (t) => {
  await rotateOn(t, localBackend);
});

test('containers: the service is recreated with the new PGPASSWORD under the same name and ports; the undo puts it back', {
  timeout: 240_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  await rotateOn(t, containersBackend);
});
