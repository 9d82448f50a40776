import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '../cleanup/tmp.ts';
import { lookingUp, type Topology, TopologyError } from '../system/topology.ts';
import type { DnsControl, LookupResult } from './control.ts';
import { getent } from './getent.ts';
import { Resolver } from './resolver.ts';

// DNS on the local backend. Every service that looks a dependency up by name runs in a mount namespace of
// its own, in which /etc/resolv.conf (and /etc/hosts) are private files naming one nameserver: faultline's
// resolver on a loopback address of that service alone (127.53.<run>.<n>:53). The address a query arrives
// on is thus the service asking, and a fault can fail one service's lookups and nobody else's. Everything
// else about the process is unchanged: unshare and sh exec into the service's command, so the pid, the
// signals, the exit status and the output are the service's own. Needs root (a mount namespace, bind
// mounts, port 53).

const UNSHARE = '/usr/bin/unshare';
const NSENTER = '/usr/bin/nsenter';
const GETENT = '/usr/bin/getent';
/** Binds the private files over the shared ones, then becomes the service (exec: same pid). */
const BIND =
  'mount --bind -- "$1" /etc/resolv.conf && mount --bind -- "$2" /etc/hosts && shift 2 && exec "$@"';

export interface LocalDns {
  control: DnsControl;
  /** The argv that runs a command in `service`'s namespace, when it looks names up (else undefined). */
  wrapper(service: string): string[] | undefined;
  close(): Promise<void>;
}

/** What the local backend needs for services that look names up, or a message naming what is missing. */
export function localDnsMissing(topology: Topology, uid = process.getuid?.()): string | undefined {
  const services = lookingUp(topology);
  if (services.length === 0) return undefined;
  const missing: string[] = [];
  if (uid !== 0) missing.push('root (a mount namespace per service, bind mounts, port 53)');
  for (const tool of [UNSHARE, NSENTER, GETENT, '/bin/sh'])
    if (!existsSync(tool)) missing.push(`${tool} (util-linux / libc-bin)`);
  if (missing.length === 0) return undefined;
  return (
    `${services.join(', ')} address${services.length === 1 ? 'es' : ''} a dependency by name (w.host / w.url(…, { byName: true })): ` +
    `on the local backend each such service gets a private /etc/resolv.conf pointing at faultline's resolver, which needs ${missing.join(' and ')}. ` +
    'Run as root, or use the containers backend (FAULTLINE_BACKEND=containers)'
  );
}

/**
 * Starts the resolver for `topology`'s lookups: one socket per looking-up service, its private files
 * written. `pidOf` finds a service's process for lookups made from inside it.
 */
export async function startLocalDns(
  topology: Topology,
  pidOf: (service: string) => number | undefined,
): Promise<LocalDns> {
  const missing = localDnsMissing(topology);
  if (missing) throw new TopologyError(missing);
  const services = lookingUp(topology);
  if (services.length > 250)
    throw new TopologyError(`at most 250 services may look names up; ${services.length} do`);
  const links = new Set(topology.links.map((l) => `${l.from}>${l.to}`));
  // Every link of the local backend listens on loopback: the name answers 127.0.0.1, the port is the link's.
  const answering = { address: (v: string, t: string) => (links.has(`${v}>${t}`) ? '127.0.0.1' : undefined) };
  const addresses = new Map<string, string>();
  let resolver = new Resolver(answering);
  let dir: TempDir | undefined;
  try {
    // A third octet per run; another run (or agent) holding it shows as EADDRINUSE: take another.
    for (let attempt = 1; ; attempt++) {
      const octet = 1 + Math.floor(Math.random() * 254);
      try {
        for (const [i, service] of services.entries()) {
          const address = `127.53.${octet}.${i + 1}`;
          await resolver.listenFor(service, address);
          addresses.set(service, address);
        }
        break;
      } catch (error) {
        await resolver.close();
        addresses.clear();
        if (attempt >= 8 || !/EADDRINUSE/.test((error as Error).message)) throw error;
        resolver = new Resolver(answering);
      }
    }
    dir = await makeTempDir('dns');
    for (const service of services) {
      await writeFile(
        join(dir.path, `${service}.resolv.conf`),
        // One try of one second: a lookup that gets no answer fails in a second, not in the default ten.
        `# faultline: ${service}'s lookups go to faultline's resolver\nnameserver ${addresses.get(service)}\noptions timeout:1 attempts:1\n`,
      );
      await copyFile('/etc/hosts', join(dir.path, `${service}.hosts`));
    }
  } catch (error) {
    await resolver.close();
    await dir?.remove();
    throw error;
  }
  const files = dir.path;
  const running = resolver;
  const control: DnsControl = {
    resolver: running,
    vantages: services,
    where: (vantage) => `${addresses.get(vantage) ?? '?'}:53`,
    lookupFrom(service, name): Promise<LookupResult> {
      const pid = pidOf(service);
      if (pid === undefined)
        return Promise.resolve({ ok: false, addresses: [], detail: `${service} is not running`, ms: 0 });
      return getent([NSENTER, '--target', String(pid), '--mount', '--', GETENT, 'ahostsv4', name]);
    },
  };
  return {
    control,
    wrapper(service) {
      if (!addresses.has(service)) return undefined;
      return [
        UNSHARE,
        '--mount',
        '--propagation',
        'private',
        '--',
        '/bin/sh',
        '-c',
        BIND,
        'faultline-dns',
        join(files, `${service}.resolv.conf`),
        join(files, `${service}.hosts`),
      ];
    },
    async close() {
      await running.close();
      await dir?.remove();
    },
  };
}
