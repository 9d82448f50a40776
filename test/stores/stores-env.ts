import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Environment } from '../../support/env/environment.ts';
import { startPostgres } from '../../support/env/local/postgres.ts';
import { startRedis } from '../../support/env/local/redis.ts';
import type { RunningService } from '../../support/env/local/service.ts';
import { parseListen, ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import { type Endpoint, proxyName, type Topology } from '../../support/system/topology.ts';

// Real stores (redis-server and postgres as the local backend starts them), faultline's own fault proxy and
// real clients: only the environment object is assembled by hand. The test plays the system: its clients
// reach each store through the proxy link `app → <store>`, as a service of a topology does, so the faults'
// traffic proofs count them.

export const topology: Topology = {
  name: 'stores',
  services: [
    {
      kind: 'process',
      name: 'app',
      command: ['node', 'x.ts'],
      cwd: '.',
      portEnv: 'P',
      readiness: { kind: 'port', timeoutMs: 1_000 },
      dependsOn: [],
      env: () => ({}),
    },
    { kind: 'redis', name: 'redis' },
    { kind: 'postgres', name: 'postgres' },
  ],
  links: [
    { from: 'app', to: 'redis' },
    { from: 'app', to: 'postgres' },
  ],
  probes: { redis: 'redis', postgres: 'postgres', app: 'http' },
};

export interface StoresEnv {
  env: Environment;
  /** Where the system (the test) reaches a store: through the proxy. */
  via(store: 'redis' | 'postgres'): Endpoint;
  /** A Redis client of the system, through the proxy, reconnecting on its own; resolves once connected. */
  systemRedis(): Promise<Redis>;
  /** A Postgres client of the system, through the proxy (application_name 'app'). */
  systemPostgres(): pg.Client;
  close(): Promise<void>;
}

export async function startStores(): Promise<StoresEnv> {
  const proxy: RunningProxyServer = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 1 });
  const toxiproxy = new ToxiproxyClient(proxy.url);
  const [redis, postgres] = await Promise.all([
    startRedis({ name: 'redis' }),
    startPostgres({ name: 'postgres' }),
  ]);
  const stores: Record<string, RunningService> = { redis, postgres };
  const links: Record<string, Endpoint> = {};
  for (const link of topology.links) {
    const store = stores[link.to]!;
    const created = await toxiproxy.createProxy({
      name: proxyName(link),
      listen: '127.0.0.1:0',
      upstream: `${store.host}:${store.port}`,
    });
    links[link.to] = parseListen(created.listen);
  }
  const env: Environment = {
    backend: 'local',
    topology,
    toxiproxy,
    endpoint: (name) => ({ host: stores[name]!.host, port: stores[name]!.port }),
    linkEndpoint: (_from, to) => links[to]!,
    storeUrl: (name) => stores[name]!.url,
    control: (name) => {
      const proc = stores[name]!.process;
      return {
        alive: () => proc.running,
        incarnation: () => `pid ${proc.pid ?? '-'}`,
        paused: async () => false,
        kill: () => proc.kill(),
        terminate: async () => {
          const t0 = performance.now();
          await proc.stop();
          return { graceful: true, ms: Math.round(performance.now() - t0) };
        },
        settled: async () => {},
        pause: async () => {
          proc.signal('SIGSTOP');
        },
        resume: async () => {
          proc.signal('SIGCONT');
        },
        restart: async () => {
          await proc.stop();
          await proc.start();
        },
      };
    },
    logs: (name) => stores[name]?.process.logs ?? [],
    lifecycle: () => [],
    down: async () => {},
  };
  const clients: { close(): Promise<unknown> }[] = [];
  const url = (store: 'redis' | 'postgres') => {
    const u = new URL(stores[store]!.url);
    u.hostname = links[store]!.host;
    u.port = String(links[store]!.port);
    return u.toString();
  };
  return {
    env,
    via: (store) => links[store]!,
    async systemRedis() {
      const r = new Redis(url('redis'), {
        retryStrategy: () => 50,
        maxRetriesPerRequest: 1,
        commandTimeout: 1_000,
        enableOfflineQueue: false,
        connectionName: 'app',
      });
      r.on('error', () => {});
      clients.push({ close: async () => r.disconnect() });
      if (r.status !== 'ready') await once(r, 'ready');
      return r;
    },
    systemPostgres() {
      const c = new pg.Client({
        connectionString: url('postgres'),
        application_name: 'app',
        connectionTimeoutMillis: 2_000,
      });
      c.on('error', () => {});
      clients.push({ close: () => c.end().catch(() => {}) });
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await Promise.allSettled([redis.stop(), postgres.stop()]);
      await proxy.close();
    },
  };
}
