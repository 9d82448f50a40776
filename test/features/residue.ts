import { type Dirent, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { poll } from '../../support/poll.ts';

// What a run leaves on this machine, found from the kernel's view rather than from the run's own records:
// processes (by a marker every process of the run inherits in its environment, and by descent from the
// runner: redis-server overwrites its environment with its title) and listening sockets.

/** Pids of live processes whose environment carries this marker (children inherit it). */
export function processesOf(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(marker))
        found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

interface Stat {
  pid: number;
  ppid: number;
  /** Kernel start time: with the pid, names one process even after the pid is recycled. */
  start: string;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), start: fields[19]! };
  } catch {
    return undefined;
  }
}

/** A process and all its descendants right now. */
export function processTree(root: number): Stat[] {
  const all = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => stat(Number(e)))
    .filter((s) => s !== undefined);
  const tree = all.filter((s) => s.pid === root);
  for (let i = 0; i < tree.length; i++) tree.push(...all.filter((s) => s.ppid === tree[i]!.pid));
  return tree;
}

/** Of these processes, those still alive (the same process, not a recycled pid). */
export function stillAlive(processes: Stat[]): number[] {
  return processes.filter((p) => stat(p.pid)?.start === p.start).map((p) => p.pid);
}

/** Every process of a run: descendants of its runner and anything carrying its marker. */
export function processesOfRun(runner: number, marker: string): Stat[] {
  const tree = processTree(runner);
  const known = new Set(tree.map((p) => p.pid));
  for (const pid of processesOf(marker)) {
    const s = known.has(pid) ? undefined : stat(pid);
    if (s) tree.push(s);
  }
  return tree;
}

/** TCP ports in LISTEN state on this machine, by socket inode. */
function listeningSockets(): Map<string, number> {
  const byInode = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== '0A') continue; // TCP_LISTEN
      byInode.set(fields[9]!, Number.parseInt(fields[1]!.split(':')[1]!, 16));
    }
  }
  return byInode;
}

/** Listening ports held by each of the given processes (all processes when none are given). */
function listeners(pids?: number[]): { pid: number; port: number }[] {
  const sockets = listeningSockets();
  const found: { pid: number; port: number }[] = [];
  const all =
    pids ??
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  for (const pid of all) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1];
        const port = inode ? sockets.get(inode) : undefined;
        if (port !== undefined) found.push({ pid, port });
      } catch {
        // closed meanwhile
      }
    }
  }
  return found;
}

/** Ports the given processes listen on right now. */
export function listeningPortsOf(pids: number[]): number[] {
  return [...new Set(listeners(pids).map((l) => l.port))].sort((a, b) => a - b);
}

/**
 * Of these ports, those still listening in a process of the run (one of `pids`, or one carrying `marker`).
 * A port some unrelated process has taken since (other runs share this machine) is not the run's residue.
 */
export function stillListening(ports: number[], pids: number[], marker: string): string[] {
  const wanted = new Set(ports);
  const ofRun = new Set([...pids, ...processesOf(marker)]);
  if (![...listeningSockets().values()].some((p) => wanted.has(p))) return [];
  return listeners()
    .filter((l) => wanted.has(l.port) && ofRun.has(l.pid))
    .map((l) => `${l.port} (pid ${l.pid})`);
}

export async function until(predicate: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  return (await poll(predicate, (held) => held, { everyMs, timeoutMs })).held;
}

/** UDP sockets bound on port 53 (a resolver), by socket inode → `address:53`. */
function resolverSockets(): Map<string, string> {
  const byInode = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync('/proc/net/udp', 'latin1');
  } catch {
    return byInode;
  }
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [hex, port] = (fields[1] ?? '').split(':');
    if (!hex || Number.parseInt(port ?? '', 16) !== 53) continue;
    // /proc/net/udp writes the IPv4 address as one little-endian word.
    const address = [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
    byInode.set(fields[9]!, `${address}:53`);
  }
  return byInode;
}

/** The DNS resolvers (UDP port 53) the given processes serve right now: faultline's resolver of a run. */
export function resolversOf(pids: number[]): string[] {
  const sockets = resolverSockets();
  const found = new Set<string>();
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const inode = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/)?.[1];
        const at = inode ? sockets.get(inode) : undefined;
        if (at) found.add(at);
      } catch {
        // closed meanwhile
      }
    }
  }
  return [...found].sort();
}

/** Of these resolver addresses, those still bound by anyone on this machine. */
export function stillResolving(addresses: string[]): string[] {
  const bound = new Set(resolverSockets().values());
  return addresses.filter((a) => bound.has(a));
}

/**
 * Processes whose /etc/resolv.conf is a file of the run (a bind mount from its temp root `tmp`, in a
 * mount namespace of their own): a resolver override left behind.
 */
export function resolverOverrides(tmp: string): string[] {
  // The mount's root is a path within its filesystem (which may be /tmp itself): match the run's own folder.
  const own = tmp.split('/').filter(Boolean).at(-1) ?? tmp;
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text = '';
    try {
      text = readFileSync(`/proc/${entry}/mountinfo`, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const fields = line.split(' ');
      if (fields[4] === '/etc/resolv.conf' && (fields[3] ?? '').includes(own))
        found.push(`pid ${entry}: /etc/resolv.conf from ${fields[3]}`);
    }
  }
  return found;
}

/**
 * A store user the rollback could not put back, from the run's own report: every security fault's undo
 * verifies the user exactly (the role's password verifier, the ACL user's rule, a table's grants, the old
 * secret logging in again) and fails the rollback naming what was left. On the local backend the stores die
 * with the run, so the run's word is the only witness; on containers the stores are reused, and a password
 * or grant left behind would break the next scenario.
 */
export function storeUsersLeft(output: string): string[] {
  return output
    .split('\n')
    .filter((line) =>
      /the role '.*' was not restored|the ACL user '.*' was not restored|the grants on .* were not restored|after the undo the secret of .* still does not log in/.test(
        line,
      ),
    )
    .map((line) => line.trim());
}

/**
 * cgroup v1 groups a resource fault made (named `faultline-<runner pid>-…`, support/faults/resource/
 * cgroup.ts) that still exist, for any of these runner pids: a CPU quota, memory cap or hog's group left.
 */
export function groupsOfRun(pids: number[]): string[] {
  const prefixes = pids.map((p) => `faultline-${p}-`);
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (prefixes.some((p) => e.name.startsWith(p))) found.push(`${dir}/${e.name}`);
      else if (depth < 4) walk(`${dir}/${e.name}`, depth + 1);
    }
  };
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory']) walk(`/sys/fs/cgroup/${c}`, 0);
  return found;
}
