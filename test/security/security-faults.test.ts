import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { accountOf } from '../../support/faults/security/account.ts';
import { commandDenied, privilegeRevoked } from '../../support/faults/security/permission.ts';
import { credentialChanged } from '../../support/faults/security/rotation.ts';
import { withPostgres, withRedis } from '../../support/faults/stores/store.ts';
import { seeded } from '../../support/random.ts';
import type { SecretInFile } from '../../support/system/system.ts';
import { type StoresEnv, startStores } from '../stores/stores-env.ts';

// Each security fault against a real redis-server and postgres (started as the local backend starts them,
// Postgres asking every role but faultline's for its password), with the test playing the system: its
// clients log in as the user `app` through the proxy link, with the secret read from its file. Apply proves
// the effect with a real login or a real attempt as that user; the undo is verified exact (the role's
// password verifier, the table's ACL, the ACL user's rule), as the reused stores of the containers backend
// need it.

let s: StoresEnv;
let dir: string;
const USER = 'app';
const creds: Record<'redis' | 'postgres', SecretInFile> = {
  redis: { user: USER, secretFile: '' },
  postgres: { user: USER, secretFile: '' },
};

before(async () => {
  s = await startStores();
  dir = await mkdtemp(join(tmpdir(), 'faultline-secrets-'));
  for (const store of ['redis', 'postgres'] as const) {
    creds[store].secretFile = join(dir, store);
    await writeFile(creds[store].secretFile, `first-${store}-secret\n`);
  }
  await withPostgres(s.env, 'postgres', async (c) => {
    await c.query('create table ledger (id serial primary key, note text)');
    await c.query(`create role ${USER} login password 'first-postgres-secret'`);
    await c.query(`grant select, insert, update, delete on ledger to ${USER}`);
    await c.query(`grant usage on sequence ledger_id_seq to ${USER}`);
  });
  await withRedis(s.env, 'redis', (r) =>
    r.call('ACL', 'SETUSER', USER, 'on', '>first-redis-secret', '~*', '&*', '+@all'),
  );
});
after(async () => {
  await s?.close();
  await rm(dir, { recursive: true, force: true });
});

const secret = async (store: 'redis' | 'postgres') =>
  (await readFile(creds[store].secretFile, 'utf8')).trim();

/** The system's Postgres client: through the proxy, as `app`, the password read from its file per login. */
function systemPostgres(): pg.Client {
  const { host, port } = s.via('postgres');
  const database = new URL(s.env.storeUrl('postgres')).pathname.slice(1);
  const c = new pg.Client({
    host,
    port,
    database,
    user: USER,
    password: () => secret('postgres'),
    application_name: 'app',
    connectionTimeoutMillis: 2_000,
  });
  c.on('error', () => {});
  return c;
}

async function systemRedis(): Promise<Redis> {
  const { host, port } = s.via('redis');
  const r = new Redis({
    host,
    port,
    username: USER,
    password: await secret('redis'),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: 'app',
  });
  r.on('error', () => {});
  await r.connect();
  return r;
}

/** The system's loop: logs in and out again and again (a pool replacing its connections), until stopped. */
function keepLoggingIn(): { stop(): Promise<{ ok: number; refused: number }> } {
  let running = true;
  const counts = { ok: 0, refused: 0 };
  const loop = (async () => {
    while (running) {
      const c = systemPostgres();
      try {
        await c.connect();
        await c.query('select 1');
        counts.ok++;
      } catch {
        counts.refused++;
      } finally {
        await c.end().catch(() => {});
      }
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return counts;
    },
  };
}

describe('credential rotation', () => {
  test('postgres: the old password is refused, the new one written to the secret file, the system logs in with it; undo puts the verifier and the file back', async () => {
    const account = accountOf(s.env, 'postgres', USER);
    const before = await account.snapshot();
    const system = keepLoggingIn();
    const ledger = new FaultLedger();
    const record = await ledger.inject(
      credentialChanged(s.env, 'postgres', creds.postgres, { tell: true, random: seeded(7) }),
    );
    assert.match(record.evidence.join('\n'), /the new secret written to .*postgres/);
    assert.match(
      record.evidence.join('\n'),
      /with the old secret is refused: password authentication failed for user "app"/,
    );
    const rotated = await secret('postgres');
    assert.notEqual(rotated, 'first-postgres-secret');
    assert.match((await account.login('first-postgres-secret'))!, /password authentication failed/);
    await sleep(300);
    assert.deepEqual(await ledger.rollback(), []);
    await system.stop();
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /the system logged in to postgres as app with the new secret/);
    assert.equal(await account.snapshot(), before, 'the role is exactly as it was');
    assert.equal(await secret('postgres'), 'first-postgres-secret');
    assert.equal(await account.login('first-postgres-secret'), undefined);
  });

  test('redis: the ACL user rule is restored byte for byte; open sessions of the user were ended', async () => {
    const account = accountOf(s.env, 'redis', USER);
    const before = await account.snapshot();
    const open = await systemRedis();
    const ledger = new FaultLedger();
    const record = await ledger.inject(
      credentialChanged(s.env, 'redis', creds.redis, { tell: true, random: seeded(8) }),
    );
    assert.match(record.evidence[0]!, /1 open session\(s\) of app ended/);
    assert.match(record.evidence[1]!, /WRONGPASS/);
    // The system logs in again with the new secret from its file.
    const again = await systemRedis();
    assert.equal(await again.ping(), 'PONG');
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    open.disconnect();
    again.disconnect();
    assert.equal(await account.snapshot(), before);
    assert.equal(await secret('redis'), 'first-redis-secret');
  });
});

describe('forced invalidation', () => {
  test('postgres: the secret file keeps the old password, the system is refused; undo lets it in again', async () => {
    const account = accountOf(s.env, 'postgres', USER);
    const before = await account.snapshot();
    const ledger = new FaultLedger();
    const record = await ledger.inject(
      credentialChanged(s.env, 'postgres', creds.postgres, { tell: false, random: seeded(9) }),
    );
    assert.match(record.evidence[0]!, /left with the old secret \(the system is not told\)/);
    assert.equal(await secret('postgres'), 'first-postgres-secret');
    const system = keepLoggingIn();
    await sleep(500);
    const counts = await system.stop();
    assert.equal(counts.ok, 0);
    assert.ok(counts.refused > 0);
    await sleep(300); // the server's log reaches the harness
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /refused login\(s\) of app on postgres/);
    assert.equal(await account.snapshot(), before);
    const c = systemPostgres();
    await c.connect();
    await c.end();
  });

  test('redis: a system that never tries again is named: the invalidation was not felt', async () => {
    const ledger = new FaultLedger();
    const record = await ledger.inject(
      credentialChanged(s.env, 'redis', creds.redis, { tell: false, random: seeded(10) }),
    );
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, false);
    assert.match(record.felt!.evidence, /no login of app was refused on redis/);
  });

  test('a secret file the store does not accept is refused before anything changes', async () => {
    const account = accountOf(s.env, 'postgres', USER);
    const before = await account.snapshot();
    const wrong = join(dir, 'wrong');
    await writeFile(wrong, 'not-the-password\n');
    const ledger = new FaultLedger();
    await assert.rejects(
      ledger.inject(
        credentialChanged(
          s.env,
          'postgres',
          { user: USER, secretFile: wrong },
          { tell: true, random: seeded(1) },
        ),
      ),
      /the secret in .*wrong is not accepted before the fault/,
    );
    await ledger.rollback();
    assert.equal(await account.snapshot(), before);
    assert.equal((await readFile(wrong, 'utf8')).trim(), 'not-the-password');
  });
});

describe('permission flips', () => {
  const acl = () =>
    withPostgres(
      s.env,
      'postgres',
      async (c) =>
        (await c.query(`select relacl::text[] as acl from pg_class where relname = 'ledger'`)).rows[0].acl,
    );

  test('postgres: INSERT revoked is refused to the user, the system is refused; undo restores the ACL', async () => {
    const was = await acl();
    const ledger = new FaultLedger();
    const record = await ledger.inject(
      privilegeRevoked(s.env, 'postgres', creds.postgres, ['INSERT'], { kind: 'table', name: 'ledger' }),
    );
    assert.match(record.evidence[1]!, /INSERT: permission denied for table ledger/);
    const c = systemPostgres();
    await c.connect();
    await assert.rejects(c.query(`insert into ledger (note) values ('x')`), /permission denied/);
    assert.equal((await c.query('select count(*)::int as n from ledger')).rows[0].n, 0);
    await sleep(300);
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.deepEqual(await acl(), was);
    await c.query(`insert into ledger (note) values ('after')`);
    await c.end();
  });

  test('postgres: a privilege the user does not hold, or a table that does not exist, is refused; nothing changes', async () => {
    const was = await acl();
    const ledger = new FaultLedger();
    await assert.rejects(
      ledger.inject(
        privilegeRevoked(s.env, 'postgres', creds.postgres, ['SELECT'], { kind: 'table', name: 'nope' }),
      ),
      /postgres has no table nope; its tables: ledger/,
    );
    await withPostgres(s.env, 'postgres', (c) => c.query(`revoke delete on ledger from ${USER}`));
    await assert.rejects(
      ledger.inject(
        privilegeRevoked(s.env, 'postgres', creds.postgres, ['DELETE'], { kind: 'table', name: 'ledger' }),
      ),
      /would have no effect: app does not hold DELETE on it/,
    );
    await withPostgres(s.env, 'postgres', (c) => c.query(`grant delete on ledger to ${USER}`));
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual((await acl()).sort(), [...was].sort());
  });

  test('redis: a denied command is refused to the user (NOPERM), the system is refused; undo restores the rule', async () => {
    const account = accountOf(s.env, 'redis', USER);
    const before = await account.snapshot();
    const ledger = new FaultLedger();
    const record = await ledger.inject(commandDenied(s.env, 'redis', creds.redis, 'set'));
    assert.match(record.evidence[0]!, /ACL SETUSER app -set/);
    assert.match(record.evidence[1]!, /NOPERM/);
    const r = await systemRedis();
    await assert.rejects(r.set('k', 'v'), /NOPERM/);
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.equal(await account.snapshot(), before);
    assert.equal(await r.set('k', 'v'), 'OK');
    r.disconnect();
    assert.equal(await withRedis(s.env, 'redis', (a) => a.exists('faultline:acl-probe')), 0);
  });

  test('redis: an unknown command is refused before anything changes', async () => {
    const account = accountOf(s.env, 'redis', USER);
    const before = await account.snapshot();
    const ledger = new FaultLedger();
    await assert.rejects(
      ledger.inject(commandDenied(s.env, 'redis', creds.redis, 'fly')),
      /redis has no command "fly"/,
    );
    await ledger.rollback();
    assert.equal(await account.snapshot(), before);
  });
});
