import type { Redis } from 'ioredis';
import type { Environment } from '../../env/environment.ts';
import { guardService } from '../guard.ts';
import type { FaultSpec } from '../ledger.ts';
import { type TrafficWatch, watchTraffic } from '../network/traffic.ts';
import { probe } from '../probe.ts';
import { linksInto, OURS, touching, until, withRedis } from './store.ts';

// Redis as a dependency: stopped (the process is gone, connections are refused, and it comes back with its
// data, as a Redis with persistence does), restarted empty (the eviction storm: the process restarts with
// nothing in it, and that is not undone — the system must cope). Key poisoning lives in poison.ts; a Redis
// made unreachable is the network fault of any service (network/network-fault.ts: every proxied link into
// it black-holed).

const PROBE_MS = 1_000;
const READY_MS = 30_000;
const RECONNECT_MS = 5_000;

/** Clients connected to the store other than faultline's own (named OURS), with their idle seconds. */
async function systemClientList(r: Redis): Promise<{ idle: number }[]> {
  const list = (await r.client('LIST')) as string;
  return list
    .split('\n')
    .filter((line) => line.startsWith('id=') && !line.includes(` name=${OURS} `))
    .map((line) => ({ idle: Number(/ idle=(\d+)/.exec(line)?.[1] ?? Number.POSITIVE_INFINITY) }));
}

async function systemClients(r: Redis): Promise<number> {
  return (await systemClientList(r)).length;
}

async function dbsize(env: Environment, name: string): Promise<number> {
  return withRedis(env, name, (r) => r.dbsize());
}

async function runId(r: Redis): Promise<string> {
  return /run_id:(\S+)/.exec(await r.info('server'))?.[1] ?? '?';
}

/** The store answers PING directly (not through the proxy). */
async function answers(env: Environment, name: string, ms = PROBE_MS): Promise<boolean> {
  try {
    return (await probe('redis', env.endpoint(name), ms)).replied;
  } catch {
    return false;
  }
}

/** Brings a killed store back and waits until it answers; a restart that does not is an undo failure. */
async function bringBack(env: Environment, name: string): Promise<void> {
  const control = env.control(name);
  if (!control.alive()) await control.restart();
  if (!(await until(() => answers(env, name), READY_MS, 100)))
    throw new Error(`${name} was restarted but does not answer PING within ${READY_MS / 1000} s`);
}

/**
 * Stops the store: SIGKILL of its process (container), so clients are refused at once. A snapshot is
 * written first (SAVE into the store's own directory) and loaded by the restart, so the store comes back
 * with the data it had, as a Redis run with persistence would: the fault is the outage, not data loss
 * (that is "restarts empty").
 */
export function redisStopped(env: Environment, name: string, durationMs?: number): FaultSpec {
  guardService(env, name);
  const control = env.control(name);
  let keys = 0;
  /** The system's connections in use (a command within the last second) that the stop severed. */
  let severed = 0;
  let watch: TrafficWatch | undefined;
  return {
    kind: 'stop',
    description: `${name} stopped`,
    targets: [name],
    touches: touching(env, name),
    durationMs,
    async apply() {
      if (!control.alive()) throw new Error(`cannot stop ${name}: it is not running`);
      keys = await withRedis(env, name, async (r) => {
        await r.save();
        severed = (await systemClientList(r)).filter((c) => c.idle <= 1).length;
        return r.dbsize();
      });
      const started = performance.now();
      await control.kill();
      const after = await probe('redis', env.endpoint(name), PROBE_MS).catch((e: Error) => ({
        replied: false,
        detail: e.message,
      }));
      if (control.alive() || after.replied)
        throw new Error(
          `stopping ${name} had no effect: ${control.alive() ? 'its process is still alive' : 'it still answers PING'}`,
        );
      // The system's traffic into a dead store: reconnections, and bytes sent into a connection the proxy kept
      // open (on a container network a killed peer sends no reset, so the client may not notice at once).
      watch = await watchTraffic(env.toxiproxy, linksInto(env, name));
      return [
        `${name} held ${keys} key(s), snapshot saved; killed, gone ${Math.round(performance.now() - started)} ms later; a PING directly to it: ${after.detail}`,
      ];
    },
    async felt() {
      if (!watch) throw new Error(`${name} was never stopped, so no traffic was watched`);
      const traffic = await watch.felt();
      // A connection the proxy accepted before the stop may sit in its dial to the dead store, uncounted: the
      // system's connections that were in use when the store died are then the proof.
      if (traffic.ok || severed === 0) return traffic;
      return {
        ok: true,
        evidence: `the stop severed ${severed} connection(s) of the system in use (a command within the last second); ${traffic.evidence}`,
      };
    },
    async undo() {
      await bringBack(env, name);
      const now = await dbsize(env, name);
      if (now < keys)
        throw new Error(`${name} came back with ${now} key(s), fewer than the ${keys} it had when stopped`);
    },
  };
}

/**
 * The eviction storm: everything is flushed and the process restarts with nothing (an empty snapshot is
 * written first, so an earlier one cannot be reloaded). Proof: a new run_id and zero keys. Not undone — the
 * data is gone by design — but the undo makes sure the store runs and answers.
 */
export function redisRestartedEmpty(env: Environment, name: string): FaultSpec {
  guardService(env, name);
  const control = env.control(name);
  let reconnected: { ms: number; clients: number } | undefined;
  return {
    kind: 'restart-empty',
    description: `${name} restarted empty`,
    targets: [name],
    touches: touching(env, name),
    // Over once the store is back: the recovery phase begins there.
    durationMs: 0,
    async apply() {
      if (!control.alive()) throw new Error(`cannot restart ${name}: it is not running`);
      const before = await withRedis(env, name, async (r) => {
        const state = { keys: await r.dbsize(), id: await runId(r), clients: await systemClients(r) };
        await r.flushall();
        await r.save();
        return state;
      });
      const started = performance.now();
      await control.kill();
      await bringBack(env, name);
      const back = performance.now();
      const after = await withRedis(env, name, async (r) => {
        const state = { keys: await r.dbsize(), id: await runId(r) };
        // The system met the restart when its connections, dropped with the process, come back.
        if (before.clients > 0 && (await until(async () => (await systemClients(r)) > 0, RECONNECT_MS)))
          reconnected = { ms: Math.round(performance.now() - back), clients: await systemClients(r) };
        return state;
      });
      if (after.id === before.id)
        throw new Error(`restarting ${name} had no effect: its run_id is still ${before.id}`);
      return [
        `${name} held ${before.keys} key(s) (run ${before.id.slice(0, 8)}, ${before.clients} client(s) of the system); restarted in ${Math.round(back - started)} ms as run ${after.id.slice(0, 8)} with ${after.keys} key(s)`,
      ];
    },
    async felt() {
      return reconnected
        ? {
            ok: true,
            evidence: `the system lost its connections to ${name} and reconnected ${reconnected.ms} ms after the restart (${reconnected.clients} client(s))`,
          }
        : {
            ok: false,
            evidence: `no client of the system was connected to ${name} before the restart, or none came back within ${RECONNECT_MS / 1000} s`,
          };
    },
    async undo() {
      await bringBack(env, name);
    },
  };
}
