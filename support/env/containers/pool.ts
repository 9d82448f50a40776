import { threadId } from 'node:worker_threads';
import { ToxiproxyClient } from '../../proxy/client.ts';
import { LogFollower } from './logs.ts';
import { RUN_ID, runtime } from './runtime.ts';
import { flushRedis, hostOf, type Kind, type Running, recreateDatabase, TOXIPROXY_API } from './services.ts';

// Infrastructure handed from one environment to the next within a run: the fault proxy and the stores
// take over half of a cold start, and nothing of them needs to be new, only empty. An environment going
// down returns the ones no fault touched and that still run, once its own containers are gone; they are
// emptied at once, in the background (proxies deleted, FLUSHALL, the database dropped and created again),
// so the next environment's take() finds that work done (it waits for it if not) instead of doing it on its
// own start, and follows their logs from that moment. Emptying only after the environment's containers are
// removed means no service of the old environment can write into the store after it was emptied.
// Declared services (processes, containers) are never reused: they carry the environment's wiring and state.
// FAULTLINE_CONTAINERS_REUSE=false turns this off (every environment starts every container).

/** Label value (faultline.env) of reusable containers: not removed with any one environment. */
export const SHARED_ENV = `${RUN_ID}-${threadId}-shared`;

/** A handed-back container and its emptying, started when it was handed back (false: it failed). */
interface Idle {
  r: Running;
  emptied: Promise<boolean>;
}

const idle: Idle[] = [];

/** Leaves a container as a fresh one of its kind would be: no links, no keys, an empty database. */
async function empty(r: Running): Promise<void> {
  if (r.kind === 'redis') await flushRedis(r);
  else if (r.kind === 'postgres') await recreateDatabase(r);
  else if (r.kind === 'proxy') {
    const client = new ToxiproxyClient(
      `http://${hostOf(r.started)}:${r.started.getMappedPort(TOXIPROXY_API)}`,
    );
    await Promise.all((await client.proxies()).map((p) => client.deleteProxy(p.name)));
  }
}

export function reuseEnabled(): boolean {
  return process.env.FAULTLINE_CONTAINERS_REUSE !== 'false';
}

/**
 * A returned container of this kind, name and image (a proxy reached directly, or publishing at least
 * `links` ports), emptied.
 * Every other idle container with that name goes: names are network aliases, and two containers answering
 * to one alias would split the traffic between an old and a new service (e.g. an old proxy still holding
 * the previous environment's links).
 */
export async function take(kind: Kind, name: string, image: string, links = 0): Promise<Running | undefined> {
  const same = idle.filter((i) => i.r.name === name);
  for (const i of same) idle.splice(idle.indexOf(i), 1);
  const match = same.find(
    (i) =>
      i.r.kind === kind && i.r.image === image && (i.r.direct !== undefined || (i.r.published ?? 0) >= links),
  );
  await Promise.all(
    same
      .filter((i) => i !== match)
      .map((i) => i.r.container.remove({ force: true, v: true }).catch(() => undefined)),
  );
  if (!match) return undefined;
  try {
    if (!(await match.emptied)) throw new Error(`${name} could not be emptied`);
    const info = await match.r.container.inspect();
    if (!info.State.Running || info.State.Paused) throw new Error(`${name} is no longer running`);
    const client = await runtime();
    const logs = new LogFollower(match.r.container, client.container.dockerode.modem, Date.now());
    await logs.follow();
    return { ...match.r, logs, state: { running: true, paused: false }, touched: false };
  } catch {
    await match.r.container.remove({ force: true }).catch(() => undefined);
    return undefined;
  }
}

/** The emptying of a handed-back container (resolved at once for one not in the pool). */
export function emptying(r: Running): Promise<boolean> {
  return idle.find((i) => i.r === r)?.emptied ?? Promise.resolve(false);
}

/** Removes idle containers answering to any of these names (services of the next environment). */
export async function evict(names: string[]): Promise<void> {
  const gone = idle.filter((i) => names.includes(i.r.name));
  for (const i of gone) idle.splice(idle.indexOf(i), 1);
  await Promise.all(gone.map((i) => i.r.container.remove({ force: true, v: true }).catch(() => undefined)));
}

/**
 * Offers a container for the next environment and starts emptying it once `after` settled (not awaited:
 * take() does); one that was faulted or no longer runs is removed. Call it only once the environment's own
 * containers are gone.
 */
export async function giveBack(r: Running, after: Promise<unknown> = Promise.resolve()): Promise<void> {
  r.logs.close();
  if (reuseEnabled() && !r.touched && r.state.running && !r.state.paused) {
    const emptied = after
      .then(() => empty(r))
      .then(
        () => true,
        () => false,
      );
    idle.push({ r, emptied });
    return;
  }
  await r.container.remove({ force: true, v: true }).catch(() => undefined);
}

/** Removes every idle container (the watchdog removes them at exit anyway). */
export async function drain(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((i) => i.r.container.remove({ force: true, v: true }).catch(() => undefined)));
}

export function idleCount(): number {
  return idle.length;
}
