import { threadId } from 'node:worker_threads';
import { LogFollower } from './logs.ts';
import { RUN_ID, runtime } from './runtime.ts';
import { flushRedis, type Kind, type Running, recreateDatabase } from './services.ts';

// Infrastructure handed from one environment to the next within a run: the fault proxy and the stores
// take over half of a cold start, and nothing of them needs to be new, only empty. An environment going
// down returns the ones no fault touched and that still run; the next one takes them, empties them (proxies
// deleted, FLUSHALL, the database dropped and created again) and follows their logs from that moment.
// Declared services (processes, containers) are never reused: they carry the environment's wiring and state.
// FAULTLINE_CONTAINERS_REUSE=false turns this off (every environment starts every container).

/** Label value (faultline.env) of reusable containers: not removed with any one environment. */
export const SHARED_ENV = `${RUN_ID}-${threadId}-shared`;

const idle: Running[] = [];

export function reuseEnabled(): boolean {
  return process.env.FAULTLINE_CONTAINERS_REUSE !== 'false';
}

/**
 * A returned container of this kind, name and image (a proxy publishing at least `links` ports), emptied.
 * Every other idle container with that name goes: names are network aliases, and two containers answering
 * to one alias would split the traffic between an old and a new service (e.g. an old proxy still holding
 * the previous environment's links).
 */
export async function take(kind: Kind, name: string, image: string, links = 0): Promise<Running | undefined> {
  const same = idle.filter((r) => r.name === name);
  for (const r of same) idle.splice(idle.indexOf(r), 1);
  const match = same.find((r) => r.kind === kind && r.image === image && (r.published ?? 0) >= links);
  await Promise.all(
    same
      .filter((r) => r !== match)
      .map((r) => r.container.remove({ force: true, v: true }).catch(() => undefined)),
  );
  if (!match) return undefined;
  try {
    const info = await match.container.inspect();
    if (!info.State.Running || info.State.Paused) throw new Error(`${name} is no longer running`);
    if (kind === 'redis') await flushRedis(match);
    if (kind === 'postgres') await recreateDatabase(match);
    const client = await runtime();
    const logs = new LogFollower(match.container, client.container.dockerode.modem, Date.now());
    await logs.follow();
    return { ...match, logs, state: { running: true, paused: false }, touched: false };
  } catch {
    await match.container.remove({ force: true }).catch(() => undefined);
    return undefined;
  }
}

/** Removes idle containers answering to any of these names (services of the next environment). */
export async function evict(names: string[]): Promise<void> {
  const gone = idle.filter((r) => names.includes(r.name));
  for (const r of gone) idle.splice(idle.indexOf(r), 1);
  await Promise.all(gone.map((r) => r.container.remove({ force: true, v: true }).catch(() => undefined)));
}

/** Offers a container for the next environment; one that was faulted or no longer runs is removed. */
export async function giveBack(r: Running): Promise<void> {
  r.logs.close();
  if (reuseEnabled() && !r.touched && r.state.running && !r.state.paused) {
    idle.push(r);
    return;
  }
  await r.container.remove({ force: true, v: true }).catch(() => undefined);
}

/** Removes every idle container (the watchdog removes them at exit anyway). */
export async function drain(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((r) => r.container.remove({ force: true, v: true }).catch(() => undefined)));
}

export function idleCount(): number {
  return idle.length;
}
