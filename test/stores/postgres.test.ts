import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { FaultLedger } from '../../support/faults/ledger.ts';
import {
  connectionsTerminated,
  readOnly,
  slotsExhausted,
  slowQueries,
} from '../../support/faults/stores/postgres.ts';
import { withPostgres } from '../../support/faults/stores/store.ts';
import { type StoresEnv, startStores } from './stores-env.ts';

// Each Postgres fault against a real postgres, its proxy link and clients playing the system: apply proves the
// effect on the server, the traffic proof sees the system's own connections or statements meet it, and the
// undo is verified on a new session (held connections gone, the read-only flag off, no trigger left).

let s: StoresEnv;
before(async () => {
  s = await startStores();
  await withPostgres(s.env, 'postgres', (c) =>
    c.query('create table if not exists orders (id serial primary key, note text)'),
  );
});
after(async () => {
  await s?.close();
});

const direct = <T>(job: (c: pg.Client) => Promise<T>) => withPostgres(s.env, 'postgres', job);

async function connectedSystem(): Promise<pg.Client> {
  const c = s.systemPostgres();
  await c.connect();
  return c;
}

describe('postgres out of connection slots', () => {
  test('a new connection is refused with too many clients; the system is refused too; undo closes every held one', async () => {
    const open = await connectedSystem(); // a connection the system already holds keeps working
    const ledger = new FaultLedger();
    after(() => ledger.rollback());
    const record = await ledger.inject(slotsExhausted(s.env, 'postgres'));
    assert.match(
      record.evidence[0]!,
      /faultline took \d+ in \d+ ms and holds them; a new connection as the system's role is refused: sorry, too many clients already/,
    );
    await assert.rejects(connectedSystem(), /too many clients/);
    assert.equal((await open.query('select 1 as one')).rows[0].one, 1);
    await sleep(300); // the server's log line reaches the harness
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(
      record.felt!.evidence,
      /the system's connections were refused: postgres logged \d+ refused connection\(s\) while held, \d+ of them faultline's own .*, [1-9]\d* the system's/,
    );
    const held = await direct(
      async (c) =>
        (
          await c.query(
            `select count(*)::int as n from pg_stat_activity where application_name like 'faultline-fault-slots'`,
          )
        ).rows[0].n,
    );
    assert.equal(held, 0);
    await (await connectedSystem()).query('select 1');
  });

  test('no connection attempt of the system while held: the traffic proof fails', async () => {
    const ledger = new FaultLedger();
    const record = await ledger.inject(slotsExhausted(s.env, 'postgres'));
    await sleep(300);
    await ledger.rollback();
    assert.equal(record.felt?.ok, false, record.felt?.evidence);
    assert.match(ledger.withoutEffect()[0]!, /fault had no effect: no connection of the system was refused/);
  });
});

describe('postgres read-only', () => {
  test('a new session shows it and is refused a write; the system is refused; the undo is verified off', async () => {
    const system = await connectedSystem(); // opened before: a server-wide reload reaches it too
    const ledger = new FaultLedger();
    after(() => ledger.rollback());
    const record = await ledger.inject(readOnly(s.env, 'postgres'));
    assert.match(
      record.evidence[0]!,
      /a new session shows default_transaction_read_only = on; a write there is refused: cannot execute CREATE TABLE in a read-only transaction/,
    );
    await assert.rejects(system.query(`insert into orders (note) values ('x')`), /read-only transaction/);
    await sleep(300);
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.equal(
      (await direct((c) => c.query('show default_transaction_read_only'))).rows[0]
        .default_transaction_read_only,
      'off',
    );
    const setting = await direct((c) =>
      c.query(`select count(*)::int as n from pg_file_settings where name = 'default_transaction_read_only'`),
    );
    assert.equal(setting.rows[0].n, 0, 'nothing left in postgresql.auto.conf');
    await system.query(`insert into orders (note) values ('after')`);
  });
});

describe('postgres terminates its open connections', () => {
  test("the system's backends are gone (faultline's are not counted); the system must reconnect", async () => {
    const system = await connectedSystem();
    const pid = (await system.query('select pg_backend_pid() as pid')).rows[0].pid as number;
    const ledger = new FaultLedger();
    const record = await ledger.inject(connectionsTerminated(s.env, 'postgres'));
    assert.match(
      record.evidence[0]!,
      new RegExp(`backend\\(s\\) of the system terminated \\(app\\): pids .*\\b${pid}\\b.* are gone`),
    );
    await assert.rejects(system.query('select 1'));
    await ledger.rollback();
    assert.equal(record.felt?.ok, true);
    const left = await direct((c) => c.query('select 1 from pg_stat_activity where pid = $1', [pid]));
    assert.equal(left.rows.length, 0);
  });

  test('no connection of the system: nothing to terminate, the fault fails and says so', async () => {
    const ledger = new FaultLedger();
    await assert.rejects(
      ledger.inject(connectionsTerminated(s.env, 'postgres')),
      /had no effect: the system holds no connection to it/,
    );
  });
});

describe('postgres slow queries', () => {
  test("the system's write takes the delay (once per transaction); counted; the undo drops the trigger", async () => {
    const system = await connectedSystem();
    const ledger = new FaultLedger();
    after(() => ledger.rollback());
    const record = await ledger.inject(slowQueries(s.env, 'postgres', 300));
    assert.match(
      record.evidence[0]!,
      /sleeping 300 ms once per writing transaction on \d+ table\(s\) \(.*public\.orders.*\); a no-op write on \S+ took \d+ ms/,
    );
    let t0 = performance.now();
    await system.query('begin');
    await system.query(`insert into orders (note) values ('a')`);
    await system.query(`insert into orders (note) values ('b')`);
    await system.query('commit');
    const slow = performance.now() - t0;
    assert.ok(slow >= 290 && slow < 1_500, `one transaction of two writes waited once: ${slow} ms`);
    t0 = performance.now();
    await system.query('select count(*) from orders');
    assert.ok(performance.now() - t0 < 200, 'reads are not slowed');
    await ledger.rollback();
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /^1 write transaction\(s\) of the system waited 300 ms/);
    t0 = performance.now();
    await system.query(`insert into orders (note) values ('c')`);
    assert.ok(performance.now() - t0 < 200, 'fast again');
    const left = await direct((c) =>
      c.query(
        `select 1 from pg_trigger where tgname like 'faultline_slow_%' union all select 1 from pg_proc where proname like 'faultline_slow_%'`,
      ),
    );
    assert.equal(left.rows.length, 0);
  });
});
