import { readdirSync, readFileSync } from 'node:fs';

// What the kernel says about a service's processes, read from /proc: the same on both backends, because a
// container's processes are this machine's processes too (the runner sees their host pids). Every figure a
// resource fault proves itself with comes from here or from the cgroup files (cgroup.ts).

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process and every descendant of it, right now (a service that forks workers is all of them). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(Number(entry))?.[1]);
    if (!Number.isFinite(ppid)) continue;
    const children = parents.get(ppid) ?? [];
    children.push(Number(entry));
    parents.set(ppid, children);
  }
  const tree = statFields(root) ? [root] : [];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

/** CPU time (ms) per process, of those alive now: a process gone meanwhile must not count as a negative. */
export function cpuTimes(pids: readonly number[]): Map<number, number> {
  const times = new Map<number, number>();
  for (const pid of pids) {
    const f = statFields(pid);
    if (f) times.set(pid, ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND);
  }
  return times;
}

/** CPU time used between two readings, by the processes alive at both. */
export function cpuUsedMs(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, ms] of after) {
    const was = before.get(pid);
    if (was !== undefined) used += ms - was;
  }
  return used;
}

/**
 * CPU time per wall second of these processes over `ms` (1.0 = one whole core): the measured figure a CPU
 * fault proves itself with.
 */
export async function cpuShare(pids: readonly number[], ms: number): Promise<number> {
  const t0 = performance.now();
  const before = cpuTimes(pids);
  await new Promise((r) => setTimeout(r, ms));
  const used = cpuUsedMs(before, cpuTimes(pids));
  return used / (performance.now() - t0);
}

/** The CPU a process last ran on (field 39 of /proc/<pid>/stat). */
export function lastCpu(pid: number): number {
  const cpu = Number(statFields(pid)?.[36]);
  if (!Number.isInteger(cpu)) throw new Error(`pid ${pid} is gone: no CPU to read from /proc/${pid}/stat`);
  return cpu;
}

/** Whether the process is alive (not a zombie). */
export function alive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** How many file descriptors the process holds open right now. */
export function openFiles(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The soft and hard limits of open files of a live process (/proc/<pid>/limits). */
export function openFilesLimit(pid: number): { soft: string; hard: string } {
  const line = readFileSync(`/proc/${pid}/limits`, 'latin1')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line?.slice('Max open files'.length).trim().split(/\s+/) ?? [];
  if (!soft || !hard) throw new Error(`pid ${pid} reports no open-files limit in /proc/${pid}/limits`);
  return { soft, hard };
}

/** The process's resident memory in bytes (VmRSS), 0 when it is gone. */
export function residentBytes(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'latin1')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
