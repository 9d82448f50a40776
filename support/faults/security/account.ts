import { Redis } from 'ioredis';
import pg from 'pg';
import type { Environment } from '../../env/environment.ts';
import { OURS, withPostgres, withRedis } from '../stores/store.ts';

// A store user as the security faults see it, one shape for Redis (an ACL user) and Postgres (a role): its
// exact state (to restore it byte for byte: the reused containers of the next scenario must find it as it
// was), its password, its open sessions, and a login with a given password — the proof that a credential is
// refused is a real login, not a look at the catalogue. Everything is done as faultline's own superuser,
// directly (not through the proxy the system's traffic crosses).

export interface StoreAccount {
  readonly store: string;
  readonly user: string;
  /**
   * The user's exact state (Postgres: password verifier, login, expiry — the faults never change the
   * expiry, it is there to be verified; Redis: its ACL LIST rule).
   */
  snapshot(): Promise<string>;
  /** Puts a snapshot back exactly; verified by taking a new one. */
  restore(state: string): Promise<void>;
  setPassword(password: string): Promise<void>;
  /** Ends every session the user has open (they must log in again); returns how many there were. */
  disconnect(): Promise<number>;
  /** Logs in as the user: undefined when accepted, else the store's refusal. */
  login(password: string): Promise<string | undefined>;
  /** Sessions of the user opened at or after `since` (ms epoch): the system logged in again. */
  sessionsSince(since: number): Promise<number>;
}

export function accountOf(env: Environment, store: string, user: string): StoreAccount {
  const kind = env.topology.services.find((s) => s.name === store)?.kind;
  if (kind === 'redis') return redisAccount(env, store, user);
  if (kind === 'postgres') return postgresAccount(env, store, user);
  throw new Error(
    `${store} is not a Redis or Postgres store, so it has no user accounts faultline can change`,
  );
}

/** `user app on #… ~* &* +@all -set` → the rules after the name; a selector "(…)" stays one rule. */
export function aclRules(line: string): string[] {
  const rules: string[] = [];
  let depth = 0;
  let rule = '';
  for (const ch of line) {
    if (ch === ' ' && depth === 0) {
      if (rule) rules.push(rule);
      rule = '';
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    rule += ch;
  }
  if (rule) rules.push(rule);
  return rules.slice(2);
}

async function aclLine(r: Redis, user: string): Promise<string> {
  const lines = (await r.call('ACL', 'LIST')) as string[];
  const line = lines.find((l) => l.startsWith(`user ${user} `));
  if (!line)
    throw new Error(
      `Redis has no ACL user '${user}' (its users: ${lines.map((l) => l.split(' ')[1]).join(', ')}): the system declares it connects as '${user}' but has not created it`,
    );
  return line;
}

function redisAccount(env: Environment, store: string, user: string): StoreAccount {
  const admin = <T>(job: (r: Redis) => Promise<T>) => withRedis(env, store, job);
  return {
    store,
    user,
    snapshot: () => admin((r) => aclLine(r, user)),
    async restore(state) {
      await admin(async (r) => {
        // Not `reset`: it would also set sanitize-payload, which the rule may not have had. These clear
        // exactly what a rule then sets again.
        await r.call(
          'ACL',
          'SETUSER',
          user,
          'resetpass',
          'resetkeys',
          'resetchannels',
          '-@all',
          'clearselectors',
          ...aclRules(state),
        );
        const now = await aclLine(r, user);
        if (now !== state)
          throw new Error(
            `${store}: the ACL user '${user}' was not restored: it is "${now}", it was "${state}"`,
          );
      });
    },
    setPassword: (password) =>
      admin(async (r) => {
        await r.call('ACL', 'SETUSER', user, 'resetpass', `>${password}`);
      }),
    disconnect: () => admin(async (r) => Number(await r.call('CLIENT', 'KILL', 'USER', user))),
    async login(password) {
      // AUTH once connected, not on connect: a refusal comes back as this call's error, in the store's words.
      const client = redisAs(env, store);
      try {
        await client.connect();
        await client.call('AUTH', user, password);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      } finally {
        client.disconnect();
      }
    },
    sessionsSince: (since) =>
      admin(async (r) => {
        const ageLimit = Math.floor((Date.now() - since) / 1000);
        return ((await r.client('LIST')) as string)
          .split('\n')
          .filter((l) => l.includes(` user=${user} `) && !l.includes(` name=${OURS} `))
          .filter((l) => Number(/ age=(\d+)/.exec(l)?.[1] ?? Number.POSITIVE_INFINITY) <= ageLimit).length;
      }),
  };
}

interface RoleState {
  password: string | null;
  login: boolean;
  validUntil: string | null;
}

function postgresAccount(env: Environment, store: string, user: string): StoreAccount {
  const admin = <T>(job: (c: pg.Client) => Promise<T>) => withPostgres(env, store, job);
  const state = async (c: pg.Client): Promise<string> => {
    const { rows } = await c.query<RoleState>(
      `select rolpassword as password, rolcanlogin as login, rolvaliduntil::text as "validUntil"
         from pg_authid where rolname = $1`,
      [user],
    );
    if (rows.length === 0)
      throw new Error(
        `Postgres has no role '${user}': the system declares it connects to ${store} as '${user}' but has not created it`,
      );
    return JSON.stringify(rows[0]);
  };
  const alter = async (c: pg.Client, clause: string, value: string | null) => {
    const { rows } = await c.query<{ sql: string }>(
      `select format('alter role %I ${clause}', $1::text, $2::text) as sql`,
      [user, value],
    );
    await c.query(rows[0]!.sql);
  };
  return {
    store,
    user,
    snapshot: () => admin(state),
    async restore(saved) {
      const was = JSON.parse(saved) as RoleState;
      await admin(async (c) => {
        // A stored SCRAM verifier given as the password is kept as it is: the very same secret comes back.
        if (was.password === null) await c.query(`alter role ${pg.escapeIdentifier(user)} password null`);
        else await alter(c, 'password %L', was.password);
        await c.query(`alter role ${pg.escapeIdentifier(user)} ${was.login ? 'login' : 'nologin'}`);
        const now = await state(c);
        if (now !== saved)
          throw new Error(`${store}: the role '${user}' was not restored: it is ${now}, it was ${saved}`);
      });
    },
    setPassword: (password) => admin((c) => alter(c, 'password %L', password)),
    disconnect: () =>
      admin(async (c) => {
        const { rows } = await c.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where usename = $1 and pid <> pg_backend_pid()',
          [user],
        );
        return rows.length;
      }),
    async login(password) {
      const client = postgresAs(env, store, user, password);
      try {
        await client.connect();
        return undefined;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.end().catch(() => {});
      }
    },
    sessionsSince: (since) =>
      admin(async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where usename = $1 and backend_start >= $2 and application_name <> $3`,
          [user, new Date(since), OURS],
        );
        return rows[0]?.n ?? 0;
      }),
  };
}

/** A client of the store logged in as the user (for a proof that tries an operation as that user). */
export async function asUser<T>(
  env: Environment,
  store: string,
  user: string,
  password: string,
  job: (client: { redis?: Redis; pg?: pg.Client }) => Promise<T>,
): Promise<T> {
  const kind = env.topology.services.find((s) => s.name === store)?.kind;
  if (kind === 'redis') {
    const redis = redisAs(env, store, { username: user, password });
    try {
      await redis.connect();
      return await job({ redis });
    } finally {
      redis.disconnect();
    }
  }
  const client = postgresAs(env, store, user, password);
  await client.connect();
  try {
    return await job({ pg: client });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A one-off Redis client of the store, not yet connected, logging in on connect as `as` (else as nobody). It
 * never retries (a refusal is the answer sought) and bears faultline's name, which sessionsSince leaves out.
 */
function redisAs(env: Environment, store: string, as?: { username: string; password: string }): Redis {
  const { host, port } = env.endpoint(store);
  const client = new Redis({
    host,
    port,
    ...as,
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectionName: OURS,
  });
  client.on('error', () => {});
  return client;
}

/**
 * A one-off Postgres client of the store as the user, not yet connected, named as faultline's own. Its
 * statement bound matters only to asUser's job: a login proof runs no statement.
 */
function postgresAs(env: Environment, store: string, user: string, password: string): pg.Client {
  const url = new URL(env.storeUrl(store));
  const client = new pg.Client({
    host: url.hostname,
    port: Number(url.port),
    database: url.pathname.slice(1),
    user,
    password,
    application_name: OURS,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 5_000,
  });
  client.on('error', () => {});
  return client;
}
