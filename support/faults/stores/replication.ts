import pg from 'pg';
import type { Environment } from '../../env/environment.ts';
import { type Endpoint, proxyName, replicasOf } from '../../system/topology.ts';

// What the harness reads of Postgres streaming replication, straight from the servers (never through the
// fault proxy): which replicas the primary streams to, whether a server is a standby, WAL positions, and the
// replica lag as figures — bytes of WAL the replica has not replayed yet, and seconds behind.

/** One short query on a server the harness reaches directly. */
export async function queryOne<T extends Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
  timeoutMs = 3_000,
): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows[0] as T;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An LSN ('16/B374D848') as a byte position. */
export function lsnBytes(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  if (high === undefined || low === undefined) throw new Error(`not an LSN: '${lsn}'`);
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

export async function inRecovery(env: Environment, service: string): Promise<boolean> {
  const row = await queryOne<{ r: boolean }>(env.storeUrl(service), 'select pg_is_in_recovery() as r');
  return row.r;
}

/** The primary's current WAL write position. */
export async function currentLsn(env: Environment, service: string): Promise<bigint> {
  const row = await queryOne<{ lsn: string }>(
    env.storeUrl(service),
    'select pg_current_wal_lsn()::text as lsn',
  );
  return lsnBytes(row.lsn);
}

/**
 * The next transaction id the server will assign. Only a transaction that writes gets one, so its advance
 * counts the write transactions (committed or not) a server took — its WAL position also moves by itself (a
 * checkpoint after a promotion, the running-transactions record), so bytes of WAL alone are no proof that a
 * client wrote. Reading it assigns nothing.
 */
export async function nextXid(env: Environment, service: string): Promise<bigint> {
  const row = await queryOne<{ x: string }>(
    env.storeUrl(service),
    'select pg_snapshot_xmax(pg_current_snapshot())::text as x',
  );
  return BigInt(row.x);
}

/**
 * The replicas (by cluster_name) a primary streams WAL to right now: caught up (`streaming`), or, with
 * `catchingUp`, also those connected and still replaying what they missed (`catchup`).
 */
export async function streamingTo(env: Environment, primary: string, catchingUp = false): Promise<string[]> {
  const client = new pg.Client({ connectionString: env.storeUrl(primary), connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      'select application_name as name from pg_stat_replication where state = any($1)',
      [catchingUp ? ['streaming', 'catchup'] : ['streaming']],
    );
    return rows.map((r) => r.name).sort();
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** One measurement of a replica's lag behind its primary. */
export interface LagSample {
  at: number;
  replica: string;
  /** Bytes of WAL written on the primary that the replica has not replayed; undefined when unreachable. */
  bytes?: number;
  /**
   * Seconds since the last transaction it replayed, or 0 when it has replayed all the primary wrote (an idle
   * primary writes nothing, and an old replay time would otherwise read as lag).
   */
  seconds?: number;
  /** Why there is no figure (the replica or the primary did not answer). */
  error?: string;
}

/** The lag of each replica, read from the primary and the replica at (nearly) the same moment. */
export async function measureLag(
  env: Environment,
  primary: string,
  replicas: string[],
): Promise<LagSample[]> {
  const at = Date.now();
  let head: bigint;
  try {
    head = await currentLsn(env, primary);
  } catch (error) {
    return replicas.map((replica) => ({ at, replica, error: `${primary}: ${(error as Error).message}` }));
  }
  return Promise.all(
    replicas.map(async (replica): Promise<LagSample> => {
      try {
        const row = await queryOne<{ replay: string | null; behind: number | null }>(
          env.storeUrl(replica),
          `select pg_last_wal_replay_lsn()::text as replay,
                  extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as behind`,
        );
        if (row.replay === null)
          return { at, replica, error: `${replica} is not a standby (it replays no WAL)` };
        const gap = head - lsnBytes(row.replay);
        const bytes = Number(gap > 0n ? gap : 0n);
        return { at, replica, bytes, seconds: bytes === 0 ? 0 : Math.max(0, row.behind ?? 0) };
      } catch (error) {
        return { at, replica, error: (error as Error).message };
      }
    }),
  );
}

/** The primary a replica streams from (its declaration), or an error naming what it is. */
export function primaryOf(env: Environment, replica: string): string {
  const spec = env.topology.services.find((s) => s.name === replica);
  if (spec?.kind !== 'postgres' || spec.replicaOf === undefined)
    throw new Error(`'${replica}' is not a streaming replica of a postgres in this topology`);
  return spec.replicaOf;
}

/** The address of a service as the fault proxy reaches it ("host:port"). */
export function upstreamOf(env: Environment, service: string): string {
  if (!env.direct)
    throw new Error(`the ${env.backend} backend cannot say where the fault proxy reaches ${service}`);
  const at: Endpoint = env.direct(service);
  return `${at.host}:${at.port}`;
}

/**
 * After rollback every replica must be a standby again and every link into a primary must lead to that
 * primary: a replica left promoted, or a link left on it, is a topology the next scenario did not ask for.
 */
export async function replicationResidue(env: Environment): Promise<string[]> {
  const problems: string[] = [];
  const primaries = env.topology.services.filter(
    (s) => s.kind === 'postgres' && replicasOf(env.topology, s.name).length > 0,
  );
  if (primaries.length === 0) return problems;
  for (const p of primaries)
    for (const replica of replicasOf(env.topology, p.name))
      if (!(await inRecovery(env, replica).catch(() => true)))
        problems.push(
          `replica ${replica} is still promoted (not in recovery): it no longer follows ${p.name}`,
        );
  if (!env.direct) return problems;
  const proxies = await env.toxiproxy.proxies().catch(() => []);
  for (const link of env.topology.links.filter((l) => primaries.some((p) => p.name === l.to))) {
    const proxy = proxies.find((p) => p.name === proxyName(link));
    const expected = upstreamOf(env, link.to);
    if (proxy && proxy.upstream !== expected)
      problems.push(`link ${proxy.name} still leads to ${proxy.upstream}, not to ${link.to} (${expected})`);
  }
  return problems;
}
