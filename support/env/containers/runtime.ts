import { existsSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntimeClient } from 'testcontainers';

// How faultline reaches the container engine, and who owns what it creates there.
//
// Offline there is no Ryuk (its image cannot be pulled) and Testcontainers would try to pull `alpine` just to
// find the host's address, so both are turned off unless the user set them: faultline labels everything it
// creates and removes it itself (see sweep.ts).

export function applyOfflineDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

/** Labels on every container, network and image faultline creates. */
export const LABEL = {
  /** One process of faultline (all its threads): what the watchdog and the start sweep act on. */
  run: 'faultline.run',
  /** host:pid:start-time of the process that owns the resource; a dead owner means a leftover. */
  owner: 'faultline.owner',
  /** One environment (one topology brought up once). */
  env: 'faultline.env',
  service: 'faultline.service',
  /** On images: hash of everything the image was built from; equal hash, no rebuild. */
  contentHash: 'faultline.content-hash',
  /** On images: which faultline image this is (redis, postgres, node, platform-deps, platform, proxy). */
  image: 'faultline.image',
} as const;

/** Kernel start time of a process (clock ticks since boot), so a recycled pid is not mistaken for its owner. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may contain spaces, so count from the closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export interface Owner {
  host: string;
  pid: number;
  startTime: string;
}

export function formatOwner(owner: Owner): string {
  return `${owner.host}:${owner.pid}:${owner.startTime}`;
}

export function parseOwner(text: string | undefined): Owner | undefined {
  const match = text?.match(/^(.*):(\d+):([^:]*)$/);
  if (!match) return undefined;
  return { host: match[1]!, pid: Number(match[2]), startTime: match[3]! };
}

export const self: Owner = {
  host: hostname(),
  pid: process.pid,
  startTime: processStartTime(process.pid) ?? 'unknown',
};

/** The run id of a faultline process on this machine: derived from the process, so all its threads share it. */
export function runIdOf(pid: number): string {
  const startTime = processStartTime(pid) ?? 'unknown';
  const host = hostname()
    .replace(/[^a-z0-9]/gi, '')
    .slice(0, 8)
    .toLowerCase();
  return `${pid.toString(36)}${Number(startTime || 0).toString(36)}${host}`;
}

export const RUN_ID = runIdOf(process.pid);

/**
 * Whether the process that created a resource is gone. Only owners on this host are judged; a resource of
 * another machine sharing the engine is never touched.
 */
/** Whether a process with this pid exists (one we may not signal still counts). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export function ownerIsGone(owner: Owner | undefined): boolean {
  if (!owner || owner.host !== self.host) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const startTime = processStartTime(owner.pid);
  return startTime !== undefined && owner.startTime !== 'unknown' && startTime !== owner.startTime;
}

export function runLabels(): Record<string, string> {
  return { [LABEL.run]: RUN_ID, [LABEL.owner]: formatOwner(self) };
}

/** Cheap check before loading Testcontainers at all: is there anything that could be an engine? */
export function engineConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DOCKER_HOST || env.TESTCONTAINERS_HOST) return true;
  const candidates = ['/var/run/docker.sock', join(homedir(), '.docker/run/docker.sock')];
  if (env.XDG_RUNTIME_DIR) candidates.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  if (existsSync(join(homedir(), '.testcontainers.properties'))) return true;
  return candidates.some((path) => existsSync(path));
}

let clientPromise: Promise<ContainerRuntimeClient> | undefined;

/** The Testcontainers runtime client (dockerode inside), set up once per thread. */
export function runtime(): Promise<ContainerRuntimeClient> {
  applyOfflineDefaults();
  clientPromise ??= import('testcontainers').then((tc) => tc.getContainerRuntimeClient());
  return clientPromise;
}

let parent: Promise<string | undefined> | undefined;

/**
 * The cgroup faultline's containers are created under: each its own group at the top of the hierarchy ('/')
 * on an engine with the cgroupfs driver, so a container's processes compete for CPU like the local
 * backend's processes do. Under the engine's default parent (/docker) every container of the machine shares
 * one group's weight with all the others: with a loaded machine (load 20+ of host processes, each its own
 * weight) five workers booting in containers got about the CPU of one host process. FAULTLINE_CONTAINERS_
 * CGROUP_PARENT sets it (empty: the engine's default); the systemd driver keeps the engine's default.
 */
export function cgroupParent(): Promise<string | undefined> {
  parent ??= (async () => {
    const set = process.env.FAULTLINE_CONTAINERS_CGROUP_PARENT;
    if (set !== undefined) return set === '' ? undefined : set;
    const client = await runtime();
    const info = (await client.container.dockerode.info()) as { CgroupDriver?: string };
    return info.CgroupDriver === 'cgroupfs' ? '/' : undefined;
  })().catch(() => undefined);
  return parent;
}

/** Resolves true when an engine answers a ping within the timeout; never throws. */
export async function engineReachable(timeoutMs = 3_000): Promise<boolean> {
  if (!engineConfigured()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = runtime()
    .then(async (client) => {
      await client.container.dockerode.ping();
      return true;
    })
    .catch(() => {
      clientPromise = undefined;
      return false;
    });
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
