import { Redis } from 'ioredis';
import pg from 'pg';
import type { Environment } from '../../env/environment.ts';
import { until as pollUntil } from '../../poll.ts';
import type { ProxyTraffic } from '../../proxy/client.ts';
import { proxyName, type Topology } from '../../system/topology.ts';
import { serviceWord, WordError } from '../../system/words.ts';
import type { TrafficProof } from '../ledger.ts';

// What every dependency fault shares: the step's word must name a store of the right kind (a fault meant for
// Redis aimed at Postgres, or at a process, is refused before anything is applied, listing the stores that
// qualify); faultline's own short-lived clients of the store, reached directly (never through the proxy the
// system's traffic crosses), named so they can be told apart from the system's connections; and the links
// into a store, whose proxy counters tell whether the system's own traffic met the fault.

export type StoreKind = 'redis' | 'postgres';

/**
 * The application_name (Redis: client name) of every connection faultline itself opens to a store, and the
 * prefix of the names of its purpose-made ones: distinct from any name a system would pick for itself.
 */
export const OURS = 'faultline-fault';

const KIND_NAMES: Record<StoreKind | 'store', string> = {
  redis: 'a Redis store',
  postgres: 'a Postgres store',
  store: 'a store (Redis or Postgres)',
};

/** A service of the topology that is a store of `kind` ("redis" for a Redis fault; 'store': either). */
export function storeWord(topology: Topology, word: string, kind: StoreKind | 'store'): string {
  serviceWord(topology, word);
  const found = topology.services.find((s) => s.name === word);
  const fits = (k: string | undefined) => (kind === 'store' ? k === 'redis' || k === 'postgres' : k === kind);
  if (fits(found?.kind)) return word;
  const stores = topology.services.filter((s) => fits(s.kind)).map((s) => `${s.name} (${s.kind})`);
  throw new WordError(
    `'${word}' is not ${KIND_NAMES[kind]} of the system '${topology.name}' (it is a ${found?.kind} service), so this step cannot act on it; the services that qualify: ${stores.join(', ') || '(none)'}`,
  );
}

/** A Redis client of the store, for one short job: no retries, a bound on every command. */
export function redisOf(env: Environment, name: string): Redis {
  const client = new Redis(env.storeUrl(name), {
    connectTimeout: 2_000,
    commandTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: true,
    lazyConnect: true,
    connectionName: OURS,
  });
  client.on('error', () => {});
  return client;
}

/** Runs `job` with a fresh Redis client of the store, always closed after. */
export async function withRedis<T>(
  env: Environment,
  name: string,
  job: (r: Redis) => Promise<T>,
): Promise<T> {
  const client = redisOf(env, name);
  try {
    await client.connect();
    return await job(client);
  } finally {
    client.disconnect();
  }
}

/** A Postgres client of the store, for faultline's own use (application_name `faultline…`). */
export function postgresOf(env: Environment, name: string, purpose = OURS): pg.Client {
  const client = new pg.Client({
    connectionString: env.storeUrl(name),
    application_name: purpose,
    connectionTimeoutMillis: 3_000,
    statement_timeout: 10_000,
  });
  client.on('error', () => {});
  return client;
}

/** Runs `job` with a fresh Postgres client of the store, always closed after. */
export async function withPostgres<T>(
  env: Environment,
  name: string,
  job: (c: pg.Client) => Promise<T>,
): Promise<T> {
  const client = postgresOf(env, name);
  await client.connect();
  try {
    return await job(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The links through the fault proxy into `store`: how the system's services reach it. */
export function linksInto(env: Environment, store: string) {
  return env.topology.links
    .filter((l) => l.to === store)
    .map((l) => ({ from: l.from, to: l.to, proxy: proxyName(l) }));
}

/** Everyone the fault touches, for the coverage matrix: the store and every service that talks to it. */
export function touching(env: Environment, store: string): string[] {
  return [store, ...new Set(linksInto(env, store).map((l) => l.from))];
}

/**
 * Connections the system opened into `store` through the proxy since now: a reconnection after a restart, a
 * refused attempt against a full server. Unlike bytes on connections already open, each is the system
 * itself meeting the fault.
 */
export async function watchConnections(
  env: Environment,
  store: string,
  what: string,
): Promise<{ felt(): Promise<TrafficProof> }> {
  const links = linksInto(env, store);
  const read = () => Promise.all(links.map((l) => env.toxiproxy.traffic(l.proxy)));
  let before: (ProxyTraffic | undefined)[] = [];
  let failure: string | undefined;
  try {
    before = await read();
  } catch (error) {
    failure = (error as Error).message;
  }
  const since = Date.now();
  const names = links.map((l) => `${l.from} → ${l.to}`).join(', ') || `(no link into ${store})`;
  return {
    async felt() {
      if (links.length === 0)
        return {
          ok: false,
          evidence: `no service of the system reaches ${store} through the fault proxy, so its traffic cannot have met the ${what}`,
        };
      if (failure !== undefined || before.some((t) => t === undefined))
        return {
          ok: false,
          unknown: true,
          evidence: `the connections on ${names} could not be counted${failure ? `: ${failure}` : ' (the fault proxy has no traffic counters)'}`,
        };
      const after = await read();
      const opened = links.map((l, i) => ({
        link: `${l.from} → ${l.to}`,
        n: (after[i]?.connections.accepted ?? 0) - (before[i]?.connections.accepted ?? 0),
      }));
      const total = opened.reduce((sum, o) => sum + Math.max(0, o.n), 0);
      const detail = `${opened.map((o) => `${o.link}: ${o.n} connection(s) opened`).join('; ')} in ${((Date.now() - since) / 1000).toFixed(1)} s`;
      return total > 0
        ? { ok: true, evidence: `the system met the ${what}: ${detail}` }
        : {
            ok: false,
            evidence: `the system never tried to connect to ${store} while the ${what} held (${detail})`,
          };
    },
  };
}

/** Lines the store logged at or after `since` (epoch ms) matching `pattern`. */
export function logged(env: Environment, store: string, since: number, pattern: RegExp): string[] {
  return env
    .logs(store)
    .filter((l) => l.at >= since && pattern.test(l.line))
    .map((l) => l.line);
}

/**
 * Waits until `check` holds or `ms` passed; returns whether it held. A check that throws (the store not
 * answering yet) counts as not yet.
 */
export const until = (check: () => Promise<boolean>, ms: number, everyMs = 50): Promise<boolean> =>
  pollUntil(() => check().catch(() => false), { timeoutMs: ms, everyMs });
