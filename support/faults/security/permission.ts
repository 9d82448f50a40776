import type pg from 'pg';
import type { Environment } from '../../env/environment.ts';
import { StepInputError } from '../../parse.ts';
import type { StoreCredentials } from '../../system/system.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { logged, touching, until, withPostgres, withRedis } from '../stores/store.ts';
import { accountOf, asUser } from './account.ts';
import { deliveryOf } from './delivery.ts';

// Permission flips: a privilege of the system's store user taken away mid-flight and given back at undo —
// Postgres REVOKE on a table or a schema, a Redis ACL rule that denies a command. Proof: the store refuses
// that operation when faultline tries it as that user (logged in with the system's own secret). Felt: the
// store refused the system's own operations while it held (Postgres' log, Redis' ACL LOG). Undo: the grant
// (Postgres: the object's ACL compared as a set; Redis: the user's ACL rule byte for byte) is as it was.

/** The privileges faultline can prove refused by trying them without changing data. */
export const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
export const SCHEMA_PRIVILEGES = ['USAGE', 'CREATE'];

export interface PostgresObject {
  kind: 'table' | 'schema';
  name: string;
}

/** "INSERT" / "insert, update" → the privileges, each one of those the object kind has. */
export function parsePrivileges(text: string, kind: PostgresObject['kind']): string[] {
  const accepted = kind === 'table' ? TABLE_PRIVILEGES : SCHEMA_PRIVILEGES;
  const privileges = text
    .split(/\s*(?:,|\band\b)\s*/i)
    .filter(Boolean)
    .map((p) => p.toUpperCase());
  const wrong = privileges.filter((p) => !accepted.includes(p));
  if (privileges.length === 0 || wrong.length > 0)
    throw new StepInputError(
      `'${text}' is not a privilege on a ${kind}: ${wrong.length > 0 ? `${wrong.join(', ')} unknown; ` : ''}a ${kind} privilege is one of ${accepted.join(', ')} (several: "INSERT, UPDATE")`,
    );
  return [...new Set(privileges)];
}

/** A Redis command name as the ACL takes it: "set", "config|get". */
export function parseCommand(text: string): string {
  if (!/^[a-z][a-z0-9_.-]*(\|[a-z0-9_.-]+)?$/i.test(text))
    throw new StepInputError(
      `"${text}" is not a Redis command: name one command as Redis spells it, e.g. "set", "hset" or "config|get" (a category such as @write is not accepted)`,
    );
  return text.toLowerCase();
}

/** The object's ACL as a sorted set of aclitems (a re-granted item may come back at another place). */
async function aclOf(c: pg.Client, object: PostgresObject): Promise<string[] | undefined> {
  const { rows } =
    object.kind === 'table'
      ? await c.query<{ acl: string[] | null }>(
          'select relacl::text[] as acl from pg_class where oid = to_regclass($1)',
          [object.name],
        )
      : await c.query<{ acl: string[] | null }>(
          'select nspacl::text[] as acl from pg_namespace where nspname = $1',
          [object.name],
        );
  if (rows.length === 0) return undefined;
  return [...(rows[0]?.acl ?? [])].sort();
}

/** Tries one privilege as the user, changing nothing: undefined when allowed, else the refusal. */
async function attempt(c: pg.Client, object: PostgresObject, privilege: string): Promise<string | undefined> {
  const ident = object.name;
  // Each statement is refused at its permission check or does nothing (where false, a missing table, a
  // transaction rolled back): the try changes no data.
  const sql =
    object.kind === 'schema'
      ? privilege === 'USAGE'
        ? `select 1 from ${ident}.faultline_permission_probe`
        : `create table ${ident}.faultline_permission_probe ()`
      : privilege === 'SELECT'
        ? `select 1 from ${ident} where false`
        : privilege === 'INSERT'
          ? `insert into ${ident} select * from ${ident} where false`
          : privilege === 'UPDATE'
            ? `update ${ident} set ${await firstColumn(c, ident)} = ${await firstColumn(c, ident)} where false`
            : `delete from ${ident} where false`;
  try {
    await c.query('begin');
    await c.query(sql);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await c.query('rollback').catch(() => {});
  }
}

async function firstColumn(c: pg.Client, table: string): Promise<string> {
  const { rows } = await c.query<{ name: string }>(
    `select quote_ident(attname) as name from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped order by attnum limit 1`,
    [table],
  );
  return rows[0]?.name ?? 'ctid';
}

export function privilegeRevoked(
  env: Environment,
  store: string,
  credentials: StoreCredentials,
  privileges: string[],
  object: PostgresObject,
  durationMs?: number,
): FaultSpec {
  guardService(env, store);
  const { user } = credentials;
  // Refuses a store that is not Redis or Postgres before anything is built.
  accountOf(env, store, user);
  const on = `${object.kind} ${object.name}`;
  const list = privileges.join(', ');
  const grantSql = (verb: 'grant' | 'revoke', qualified: string) =>
    `${verb} ${list} on ${object.kind === 'table' ? 'table' : 'schema'} ${qualified} ${verb === 'grant' ? 'to' : 'from'} "${user}"`;
  let before: string[] | undefined;
  let qualified = object.name;
  let since = 0;
  let ours = 0;
  // The server names the object bare (a quoted name keeps its quotes out): match that, literally.
  const bare = (object.name.split('.').pop() ?? object.name).replace(/"/g, '');
  const denied = new RegExp(
    `permission denied for (?:table|relation|schema) ${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  );
  return {
    kind: 'permission-revoked',
    description: `${store}: ${user} lost ${list} on ${on}`,
    targets: [store],
    touches: touching(env, store),
    durationMs,
    async apply() {
      const secret = await deliveryOf(env, store, credentials).current();
      await withPostgres(env, store, async (c) => {
        const acl = await aclOf(c, object);
        if (acl === undefined) {
          const { rows } = await c.query<{ name: string }>(
            object.kind === 'table'
              ? `select format('%I', relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace where relkind in ('r','p') and nspname = 'public' order by 1`
              : `select nspname as name from pg_namespace where nspname not like 'pg_%' and nspname <> 'information_schema' order by 1`,
          );
          throw new StepInputError(
            `${store} has no ${on}; its ${object.kind}s: ${rows.map((r) => r.name).join(', ') || '(none)'}`,
          );
        }
        if (object.kind === 'table') {
          const { rows } = await c.query<{ q: string }>('select to_regclass($1)::text as q', [object.name]);
          qualified = rows[0]!.q;
        } else
          qualified = (await c.query<{ q: string }>('select quote_ident($1) as q', [object.name])).rows[0]!.q;
        const held = await c.query<{ p: string; has: boolean }>(
          object.kind === 'table'
            ? 'select p, has_table_privilege($1, $2, p) as has from unnest($3::text[]) as p'
            : 'select p, has_schema_privilege($1, $2, p) as has from unnest($3::text[]) as p',
          [user, object.name, privileges],
        );
        const missing = held.rows.filter((r) => !r.has).map((r) => r.p);
        if (missing.length > 0)
          throw new Error(
            `revoking ${list} on ${on} from ${user} would have no effect: ${user} does not hold ${missing.join(', ')} on it`,
          );
        before = acl;
        await c.query(grantSql('revoke', qualified));
      });
      since = Date.now();
      const refusals = await asUser(env, store, user, secret, async ({ pg: c }) => {
        const out: string[] = [];
        for (const privilege of privileges) {
          const refused = await attempt(c!, { ...object, name: qualified }, privilege);
          if (refused === undefined || !/permission denied/.test(refused))
            throw new Error(
              `revoking ${privilege} on ${on} from ${user} had no effect: as ${user} it is ${refused === undefined ? 'still allowed' : `refused otherwise: ${refused}`}`,
            );
          out.push(`${privilege}: ${refused}`);
        }
        return out;
      });
      ours = refusals.length;
      return [
        `${store}: ${grantSql('revoke', qualified)}`,
        `tried as ${user} (with the system's secret), each is refused — ${refusals.join('; ')}`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      await until(async () => logged(env, store, since, denied).length >= ours, 1_000);
      const theirs = logged(env, store, since, denied).length - ours;
      return theirs > 0
        ? {
            ok: true,
            evidence: `the system's own statements were refused: ${store} logged ${theirs} "permission denied" on ${on} while the revocation held`,
          }
        : {
            ok: false,
            evidence: `${store} refused no statement of the system on ${on} while the revocation held: the system never used ${list} there`,
          };
    },
    async undo() {
      if (before === undefined) return;
      await withPostgres(env, store, async (c) => {
        await c.query(grantSql('grant', qualified));
        const now = await aclOf(c, object);
        if (JSON.stringify(now) !== JSON.stringify(before))
          throw new Error(
            `${store}: the grants on ${on} were not restored: they are ${JSON.stringify(now)}, they were ${JSON.stringify(before)}`,
          );
      });
    },
  };
}

/** Redis's ACL LOG: refused commands of the user (reason command), their total count. */
async function deniedCommands(
  env: Environment,
  store: string,
  user: string,
  command: string,
): Promise<number> {
  return withRedis(env, store, async (r) => {
    const entries = (await r.call('ACL', 'LOG')) as unknown[][];
    let total = 0;
    for (const raw of entries) {
      const entry = new Map<string, unknown>();
      for (let i = 0; i + 1 < raw.length; i += 2) entry.set(String(raw[i]), raw[i + 1]);
      if (
        entry.get('reason') === 'command' &&
        entry.get('username') === user &&
        entry.get('object') === command
      )
        total += Number(entry.get('count'));
    }
    return total;
  });
}

const PROBE_KEY = 'faultline:acl-probe';

export function commandDenied(
  env: Environment,
  store: string,
  credentials: StoreCredentials,
  command: string,
  durationMs?: number,
): FaultSpec {
  guardService(env, store);
  const { user } = credentials;
  const account = accountOf(env, store, user);
  let before: string | undefined;
  let atApply = 0;
  return {
    kind: 'permission-revoked',
    description: `${store}: ${user} may no longer run ${command.toUpperCase()}`,
    targets: [store],
    touches: touching(env, store),
    durationMs,
    async apply() {
      const secret = await deliveryOf(env, store, credentials).current();
      const args = await withRedis(env, store, async (r) => {
        const info = (await r.call('COMMAND', 'INFO', ...command.split('|'))) as unknown[];
        const found = info[0] as unknown[] | null;
        if (!found)
          throw new StepInputError(
            `${store} has no command "${command}": name a command of Redis, e.g. "set"`,
          );
        const arity = Math.abs(Number(found[1]));
        const args = Array.from(
          { length: Math.max(0, arity - 1 - (command.includes('|') ? 1 : 0)) },
          () => PROBE_KEY,
        );
        const allowed = await r
          .call('ACL', 'DRYRUN', user, ...command.split('|'), ...args)
          .catch((e: Error) => e.message);
        if (allowed !== 'OK')
          throw new Error(
            `denying ${command} to ${user} would have no effect: ${user} may not run it now (${String(allowed)})`,
          );
        before = await account.snapshot();
        await r.call('ACL', 'SETUSER', user, `-${command}`);
        return args;
      });
      const refused = await asUser(env, store, user, secret, async ({ redis }) =>
        redis!.call(...(command.split('|') as [string, ...string[]]), ...args).then(
          () => undefined,
          (e: Error) => e.message,
        ),
      );
      if (refused === undefined || !/NOPERM/.test(refused)) {
        await withRedis(env, store, (r) => r.del(PROBE_KEY));
        throw new Error(
          `denying ${command} to ${user} had no effect: as ${user} it is ${refused === undefined ? 'still allowed' : `refused otherwise: ${refused}`}`,
        );
      }
      atApply = await deniedCommands(env, store, user, command);
      return [
        `${store}: ACL SETUSER ${user} -${command}`,
        `tried as ${user} (with the system's secret), ${command.toUpperCase()} is refused: ${refused}`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      const theirs = (await deniedCommands(env, store, user, command)) - atApply;
      return theirs > 0
        ? {
            ok: true,
            evidence: `the system's own ${command.toUpperCase()} was refused ${theirs} time(s) by ${store} while the rule held (ACL LOG)`,
          }
        : {
            ok: false,
            evidence: `the system ran no ${command.toUpperCase()} on ${store} while it was denied (ACL LOG has no new refusal of ${user})`,
          };
    },
    async undo() {
      if (before === undefined) return;
      await account.restore(before);
    },
  };
}
