import { threadId } from 'node:worker_threads';
import { LogFollower } from './logs.ts';
import { RUN_ID, runtime } from './runtime.ts';
import { flushRedis, type Kind, type Running, recreateDatabase } from './services.ts';

// Infrastructure handed from one environment to the next within a run: the fault proxy and the stores
// take over half of a cold start, and nothing of them needs to be new, only empty. An environment going
// down returns the ones no fault touched and that still run; the next one takes them, empties them (proxies
// deleted, FLUSHALL, the database dropped and created again) and follows their logs from that moment.
// Node services are never reused: they carry the environment's wiring and state.
// FAULTLINE_CONTAINERS_REUSE=false turns this off (every environment starts every container).

/** Label value (faultline.env) of reusable containers: not removed with any one environment. */
export const SHARED_ENV = `${RUN_ID}-${threadId}-shared`;

const idle: Running[] = [];

export function reuseEnabled(): boolean {
  return process.env.FAULTLINE_CONTAINERS_REUSE !== 'false';
}

/** A returned container of this kind, name and image (a proxy publishing at least `links` ports), emptied. */
export async function take(kind: Kind, name: string, image: string, links = 0): Promise<Running | undefined> {
  const at = idle.findIndex(
    (r) => r.kind === kind && r.name === name && r.image === image && (r.published ?? 0) >= links,
  );
  if (at === -1) return undefined;
  const [found] = idle.splice(at, 1);
  const r = found!;
  try {
    const info = await r.container.inspect();
    if (!info.State.Running || info.State.Paused) throw new Error(`${name} is no longer running`);
    if (kind === 'redis') await flushRedis(r);
    if (kind === 'postgres') await recreateDatabase(r);
    const client = await runtime();
    const logs = new LogFollower(r.container, client.container.dockerode.modem, Date.now());
    await logs.follow();
    return { ...r, logs, state: { running: true, paused: false }, touched: false };
  } catch {
    await r.container.remove({ force: true }).catch(() => undefined);
    return undefined;
  }
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
