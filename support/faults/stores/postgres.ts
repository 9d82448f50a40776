import type pg from 'pg';
import type { Environment } from '../../env/environment.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { logged, OURS, postgresOf, touching, until, watchConnections, withPostgres } from './store.ts';

// Postgres as a dependency, each fault server-side (the link stays healthy; network faults are elsewhere):
//   slot exhaustion  faultline opens connections until the system's own role is refused, holds them, closes
//                    them at undo;
//   read-only        default_transaction_read_only on for the whole server (ALTER SYSTEM + reload: sessions
//                    already open take it at their next transaction, which a per-database setting would not);
//   termination      pg_terminate_backend of every connection of the system (not faultline's own);
//   slow queries     a statement trigger on every table of the system's database sleeps once per writing
//                    transaction (see slowQueries below for why a trigger).
// Every proof is read from the server; every undo is verified on a new session.

const SLOT_BATCH = 32;
/** How often the slot holder asks for a slot the system may have freed. */
const GRAB_MS = 3;
/** How long termination waits for the system to hold a connection. */
const FIND_MS = 2_000;
const TOO_MANY = /too many clients|remaining connection slots are reserved/i;

/** The system's connections to the store's database: client backends not opened by faultline. */
async function systemBackends(c: pg.Client): Promise<{ pid: number; app: string }[]> {
  const { rows } = await c.query<{ pid: number; app: string }>(
    `select pid, coalesce(application_name, '') as app from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend'
        and pid <> pg_backend_pid() and coalesce(application_name, '') not like $1`,
    [`${OURS}%`],
  );
  return rows;
}

/** Tries one connection; the error message when refused. */
async function refusal(env: Environment, name: string): Promise<string | undefined> {
  const c = postgresOf(env, name, `${OURS}-probe`);
  try {
    await c.connect();
    await c.end().catch(() => {});
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Connection-slot exhaustion: faultline opens connections (as the system's own role, the store URL's) until
 * the server refuses one with "too many clients" (or, for a role without superuser, "remaining connection
 * slots are reserved"), and holds them. When the role is a superuser — as faultline's stores make it — the
 * reserved slots are its to use too, so every slot is taken: the point is that the *system* cannot connect.
 * Connections the system already holds keep working, and a slot one of them frees goes to whoever asks
 * first: as a leaking client would, faultline keeps asking (every GRAB_MS) and holds what it gets. What the
 * system meets is a refusal when it opens a connection; the server logs each refusal, and those beyond
 * faultline's own are the system's.
 */
export function slotsExhausted(env: Environment, name: string, durationMs?: number): FaultSpec {
  guardService(env, name);
  const app = `${OURS}-slots`;
  let held: pg.Client[] = [];
  let watch: Awaited<ReturnType<typeof watchConnections>> | undefined;
  let since = 0;
  let ours = 0;
  let grabbing: Promise<void> | undefined;
  let stop = false;
  const open = async (): Promise<{ c?: pg.Client; error?: string }> => {
    const c = postgresOf(env, name, app);
    try {
      await c.connect();
      return { c };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const grab = async () => {
    while (!stop) {
      const got = await open();
      if (got.c) {
        if (stop) await got.c.end().catch(() => {});
        else held.push(got.c);
        continue;
      }
      if (TOO_MANY.test(got.error ?? '')) ours++;
      await new Promise((r) => setTimeout(r, GRAB_MS));
    }
  };
  const stopGrabbing = async () => {
    stop = true;
    await grabbing;
  };
  const closeAll = async () => {
    const all = held;
    held = [];
    await Promise.all(
      all.map(async (c) => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([c.end().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 2_000)))]);
        clearTimeout(timer);
      }),
    );
  };
  return {
    kind: 'slot-exhaustion',
    description: `${name} out of connection slots`,
    targets: [name],
    touches: touching(env, name),
    durationMs,
    async apply() {
      const started = performance.now();
      const limits = await withPostgres(env, name, async (c) => {
        const { rows } = await c.query<{ max: string; reserved: string; used: string; superuser: boolean }>(
          `select current_setting('max_connections') as max,
                  current_setting('superuser_reserved_connections') as reserved,
                  (select count(*) from pg_stat_activity where backend_type = 'client backend')::text as used,
                  (select rolsuper from pg_roles where rolname = current_user) as superuser`,
        );
        return rows[0]!;
      });
      const max = Number(limits.max);
      let refused: string | undefined;
      // Every refusal the server logs from here on is counted, faultline's own apart.
      since = Date.now();
      // Batches: a connection costs a fork on the server; one at a time would take seconds.
      while (!refused && held.length <= max) {
        for (const b of await Promise.all(Array.from({ length: SLOT_BATCH }, open))) {
          if (b.c) held.push(b.c);
          else if (TOO_MANY.test(b.error ?? '')) {
            refused = b.error;
            ours++;
          } else {
            await closeAll();
            throw new Error(`exhausting ${name}'s connection slots failed: ${b.error}`);
          }
        }
      }
      const proof = await refusal(env, name);
      if (proof && TOO_MANY.test(proof)) ours++;
      if (!proof || !TOO_MANY.test(proof))
        throw new Error(
          `exhausting ${name}'s connection slots had no effect: after holding ${held.length} connection(s) a new one ${proof ? `failed otherwise: ${proof}` : 'was accepted'}`,
        );
      grabbing = grab();
      watch = await watchConnections(env, name, `exhaustion of ${name}'s connection slots`);
      return [
        `max_connections ${max} (${limits.reserved} reserved for superusers; the system's role is ${limits.superuser ? '' : 'not '}a superuser), ${limits.used} in use before; faultline took ${held.length} in ${Math.round(performance.now() - started)} ms and holds them; a new connection as the system's role is refused: ${proof}`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      if (!watch) throw new Error(`${name}'s slots were never exhausted, so no traffic was watched`);
      await stopGrabbing();
      const attempts = await watch.felt();
      // The server's log trails a little (a container's log stream): wait until it holds faultline's own.
      const count = () => logged(env, name, since, TOO_MANY).length;
      await until(async () => count() >= ours, 1_000);
      const lines = count();
      const theirs = lines - ours;
      const figures = `${name} logged ${lines} refused connection(s) while held, ${ours} of them faultline's own (it keeps taking freed slots), ${Math.max(0, theirs)} the system's (since faultline began taking them); ${attempts.evidence}`;
      if (lines < ours)
        return {
          ok: false,
          unknown: true,
          evidence: `the refusals could not be counted from ${name}'s log: ${figures}`,
        };
      // Both records must agree: the server refused more than faultline's attempts, and the system's own
      // connection attempts crossed the proxy.
      return theirs > 0 && attempts.ok
        ? { ok: true, evidence: `the system's connections were refused: ${figures}` }
        : { ok: false, evidence: `no connection of the system was refused: ${figures}` };
    },
    async undo() {
      await stopGrabbing();
      await closeAll();
      const left = await until(
        () =>
          withPostgres(env, name, async (c) => {
            const { rows } = await c.query(
              `select 1 from pg_stat_activity where application_name = $1 limit 1`,
              [app],
            );
            return rows.length === 0;
          }),
        5_000,
        100,
      );
      if (!left) throw new Error(`${name}: faultline's held connections are still open after the undo`);
    },
  };
}

async function readOnlyOnNewSession(env: Environment, name: string): Promise<boolean> {
  return withPostgres(env, name, async (c) => {
    const { rows } = await c.query<{ default_transaction_read_only: string }>(
      'show default_transaction_read_only',
    );
    return rows[0]?.default_transaction_read_only === 'on';
  });
}

/**
 * Read-only: what a failover to a standby, or a disk-full safety switch, looks like to the system. Server-wide
 * (ALTER SYSTEM, then a configuration reload), so the system's open sessions turn read-only at their next
 * transaction. Proof: SHOW on a new session says on, and a write there is refused. Undo: ALTER SYSTEM RESET
 * and a reload, verified off on a new session — the store may be handed to the next scenario.
 */
export function readOnly(env: Environment, name: string, durationMs?: number): FaultSpec {
  guardService(env, name);
  let since = 0;
  let watch: Awaited<ReturnType<typeof watchConnections>> | undefined;
  const reset = () =>
    withPostgres(env, name, async (c) => {
      await c.query('set default_transaction_read_only = off');
      await c.query('alter system reset default_transaction_read_only');
      await c.query('select pg_reload_conf()');
    });
  return {
    kind: 'read-only',
    description: `${name} turned read-only`,
    targets: [name],
    touches: touching(env, name),
    durationMs,
    async apply() {
      const started = performance.now();
      await withPostgres(env, name, async (c) => {
        await c.query('alter system set default_transaction_read_only = on');
        await c.query('select pg_reload_conf()');
      });
      // The reload is asynchronous: each backend takes it at its next command.
      if (!(await until(() => readOnlyOnNewSession(env, name), 5_000)))
        throw new Error(
          `turning ${name} read-only had no effect: a new session still shows default_transaction_read_only off`,
        );
      const refused = await withPostgres(env, name, async (c) => {
        try {
          await c.query('begin');
          await c.query('create table faultline_read_only_probe ()');
          return undefined;
        } catch (error) {
          return (error as Error).message;
        } finally {
          await c.query('rollback').catch(() => {});
        }
      });
      if (!refused || !/read-only/.test(refused))
        throw new Error(
          `turning ${name} read-only had no effect: a write on a new session was ${refused ? `refused otherwise: ${refused}` : 'accepted'}`,
        );
      since = Date.now();
      watch = await watchConnections(env, name, `read-only ${name}`);
      return [
        `${Math.round(performance.now() - started)} ms after ALTER SYSTEM: a new session shows default_transaction_read_only = on; a write there is refused: ${refused}`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      const lines = logged(env, name, since, /read-only transaction/);
      if (lines.length > 0)
        return {
          ok: true,
          evidence: `the system's writes were refused: ${name} logged ${lines.length} statement(s) refused in a read-only transaction, e.g. ${lines[0]!.trim().slice(0, 160)}`,
        };
      // Without the server's log, fall back on whether the system reached the store at all.
      const proof = await watch!
        .felt()
        .catch((e: Error) => ({ ok: false, unknown: true, evidence: e.message }));
      return {
        ok: false,
        ...(proof.ok ? {} : { unknown: proof.unknown }),
        evidence: `${name} logged no statement of the system refused as read-only (${proof.evidence})`,
      };
    },
    async undo() {
      await reset();
      if (!(await until(async () => !(await readOnlyOnNewSession(env, name)), 5_000)))
        throw new Error(
          `${name} is still read-only after the undo (SHOW default_transaction_read_only on a new session)`,
        );
    },
  };
}

/**
 * Termination: pg_terminate_backend of every connection the system holds to the store's database (what a
 * failover, an operator or an idle-session killer does). Instantaneous: there is nothing to put back — the
 * system must reconnect by itself. Proof: those backend pids are gone from pg_stat_activity.
 */
export function connectionsTerminated(env: Environment, name: string): FaultSpec {
  guardService(env, name);
  let terminated: { pid: number; app: string }[] = [];
  return {
    kind: 'termination',
    description: `${name} terminated its open connections`,
    targets: [name],
    touches: touching(env, name),
    // Over at once: the recovery phase begins when the connections are gone.
    durationMs: 0,
    async apply() {
      return withPostgres(env, name, async (c) => {
        // A system that recycles its connections may be between two of them: it gets a moment to hold one.
        await until(async () => {
          terminated = await systemBackends(c);
          return terminated.length > 0;
        }, FIND_MS);
        if (terminated.length === 0)
          throw new Error(
            `terminating ${name}'s connections had no effect: the system holds no connection to it`,
          );
        const pids = terminated.map((b) => b.pid);
        await c.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
        const gone = await until(async () => {
          const { rows } = await c.query('select 1 from pg_stat_activity where pid = any($1::int[])', [pids]);
          return rows.length === 0;
        }, 5_000);
        if (!gone)
          throw new Error(
            `terminating ${name}'s connections had no effect: backends ${pids.join(', ')} are still there`,
          );
        const apps = [...new Set(terminated.map((b) => b.app || '(no application_name)'))];
        return [
          `${pids.length} backend(s) of the system terminated (${apps.join(', ')}): pids ${pids.join(', ')} are gone from pg_stat_activity`,
        ];
      });
    },
    async felt() {
      return terminated.length > 0
        ? { ok: true, evidence: `the system lost ${terminated.length} open connection(s) to ${name}` }
        : { ok: false, evidence: `the system held no connection to ${name}` };
    },
    async undo() {},
  };
}

/**
 * Slow queries, server-side: PostgreSQL has no hook that delays any statement of a role (a per-role SET only
 * bounds statements, an extension would have to be installed), so the delay is a statement-level trigger
 * BEFORE INSERT, UPDATE or DELETE on every table of the system's database that sleeps `delayMs` once per
 * transaction — the system's write transactions (a charge, an audit row) take that much longer, whatever the
 * link does. Reads are not slowed: no trigger fires on SELECT, and row security exempts a superuser. Each
 * delayed transaction counts itself in a sequence (sequences ignore rollbacks), which proves the system's
 * own statements met the delay.
 */
export function slowQueries(env: Environment, name: string, delayMs: number, durationMs?: number): FaultSpec {
  guardService(env, name);
  const tag = `faultline_slow_${process.pid}_${Date.now().toString(36)}`;
  let tables: string[] = [];
  let proofHits = 0;
  const seconds = (delayMs / 1000).toFixed(3);
  const fn = (body: string) => `
    create or replace function ${tag}() returns trigger language plpgsql as $f$
    begin
      ${body}
      return null;
    end $f$`;
  const sleep = `
      if coalesce(current_setting('${tag}.slowed', true), '') <> 'on' then
        perform set_config('${tag}.slowed', 'on', true);
        perform nextval('${tag}_hits');
        perform pg_sleep(${seconds});
      end if;`;
  // One table per statement, each its own transaction: dropping them in one would hold one table's lock while
  // waiting for the next, behind a system transaction that wants them in the other order (a deadlock).
  const drop = async (c: pg.Client) => {
    // First the delay goes (no table lock needed): the heal is immediate, the triggers' removal follows.
    await c.query(fn('')).catch(() => {});
    const { rows } = await c.query<{ rel: string }>(
      'select tgrelid::regclass::text as rel from pg_trigger where tgname = $1',
      [tag],
    );
    await c.query(`set lock_timeout = '5s'`);
    for (const { rel } of rows) await c.query(`drop trigger if exists ${tag} on ${rel}`);
    await c.query(`drop function if exists ${tag}()`);
    await c.query(`drop sequence if exists ${tag}_hits`);
  };
  return {
    kind: 'slow-queries',
    description: `${name} queries ${delayMs} ms slower`,
    targets: [name],
    touches: touching(env, name),
    durationMs,
    async apply() {
      return withPostgres(env, name, async (c) => {
        const { rows } = await c.query<{ rel: string }>(
          `select format('%I.%I', n.nspname, r.relname) as rel from pg_class r join pg_namespace n on n.oid = r.relnamespace
            where r.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_%'
            order by 1`,
        );
        tables = rows.map((r) => r.rel);
        if (tables.length === 0)
          throw new Error(
            `slowing ${name}'s queries had no effect: its database has no table of the system yet`,
          );
        await c.query(`set lock_timeout = '3s'`);
        await c.query(`create sequence ${tag}_hits`);
        // The trigger runs as whoever writes: a system connected as its own (unprivileged) user must be able
        // to count itself, or its writes would fail instead of waiting.
        await c.query(`grant usage on sequence ${tag}_hits to public`);
        await c.query(fn(sleep));
        for (const rel of tables)
          await c.query(
            `create trigger ${tag} before insert or update or delete on ${rel} for each statement execute function ${tag}()`,
          );
        // The proof: a write that changes nothing, in a transaction rolled back, takes the delay.
        const started = performance.now();
        await c.query('begin');
        await c.query(`delete from ${tables[0]} where false`);
        await c.query('rollback');
        const took = performance.now() - started;
        const { rows: hits } = await c.query<{ n: string }>(`select last_value::text as n from ${tag}_hits`);
        proofHits = Number(hits[0]?.n ?? 0);
        if (took < delayMs * 0.9)
          throw new Error(
            `slowing ${name}'s queries had no effect: a write on ${tables[0]} took ${Math.round(took)} ms, not ${delayMs} ms more`,
          );
        return [
          `statement trigger sleeping ${delayMs} ms once per writing transaction on ${tables.length} table(s) (${tables.join(', ')}); a no-op write on ${tables[0]} took ${Math.round(took)} ms`,
        ];
      });
    },
    async felt(): Promise<TrafficProof> {
      return withPostgres(env, name, async (c) => {
        const { rows } = await c.query<{ n: string; called: boolean }>(
          `select last_value::text as n, is_called as called from ${tag}_hits`,
        );
        const total = rows[0]?.called ? Number(rows[0].n) : 0;
        const theirs = total - proofHits;
        return theirs > 0
          ? {
              ok: true,
              evidence: `${theirs} write transaction(s) of the system waited ${delayMs} ms in ${name}`,
            }
          : {
              ok: false,
              evidence: `no write transaction of the system reached ${name}'s tables while its queries were slowed`,
            };
      });
    },
    async undo() {
      await withPostgres(env, name, async (c) => {
        await drop(c);
        const { rows } = await c.query(
          `select 1 from pg_trigger where tgname = $1 union all select 1 from pg_proc where proname = $1`,
          [tag],
        );
        if (rows.length > 0)
          throw new Error(`${name}: the slow-query trigger ${tag} is still there after the undo`);
      });
    },
  };
}
