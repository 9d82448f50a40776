import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  engineConfigured,
  formatOwner,
  ownerIsGone,
  parseOwner,
  processExists,
  self,
} from '../env/containers/runtime.ts';
import { sweepStaleGroups } from '../faults/resource/cgroup.ts';
import { until } from '../poll.ts';
import { OWNER_VARIABLE } from './owner.ts';
import { removeDir } from './residue.ts';
import { ownerOfTempDir } from './tmp.ts';

// The start-of-run sweep: a run killed with SIGKILL runs no cleanup code, so the next run removes what it
// left — processes, temp dirs, labelled containers — before it starts anything. Ownership decides: each
// thing names the process that made it (pid *and* kernel start time, so a recycled pid is not mistaken for
// it), and only things whose owner is gone are touched. Another live run's things — another engineer's, or
// a parallel test's — are never swept.

/** Marks this process as the owner of every child started from now on. */
export function claimOwnership(): void {
  process.env[OWNER_VARIABLE] = formatOwner(self);
}

export interface Leftovers {
  processes: string[];
  dirs: string[];
  containers: string[];
  networks: string[];
  /** cgroup v1 groups a resource fault of a dead run made (support/faults/resource/cgroup.ts). */
  groups: string[];
}

/**
 * The run a process belongs to: the owner it carries in its (initial) environment, or else the owner of the
 * run temp dir it works in. Both are needed: redis-server overwrites its environment with its process
 * title, but works in its own temp dir (--dir).
 */
function ownerOfProcess(pid: number) {
  let environ = '';
  try {
    environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    // gone meanwhile, or not ours to read
  }
  const entry = environ.split('\0').find((e) => e.startsWith(`${OWNER_VARIABLE}=`));
  if (entry) return parseOwner(entry.slice(OWNER_VARIABLE.length + 1));
  let cwd: string;
  try {
    cwd = readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
  for (const part of cwd.split('/')) {
    const owner = ownerOfTempDir(part);
    if (owner) return { host: self.host, ...owner };
  }
  return undefined;
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim().slice(0, 120);
  } catch {
    return '?';
  }
}

/** Processes started by runs that are gone (their parent-death guards did not reach them). */
export function orphanedProcesses(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    if (ownerIsGone(ownerOfProcess(pid))) found.push(pid);
  }
  return found;
}

/** Temp dirs under `root` whose creating process is gone. */
export function staleTempDirs(root = tmpdir()): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const owner = ownerOfTempDir(name);
      return owner !== undefined && ownerIsGone({ host: self.host, ...owner });
    })
    .map((name) => join(root, name));
}

/** Kills orphaned processes, then removes stale temp dirs (a process may still write into its dir). */
export async function sweepLocal(root = tmpdir()): Promise<Pick<Leftovers, 'processes' | 'dirs'>> {
  const processes: string[] = [];
  const pids = orphanedProcesses();
  for (const pid of pids) {
    processes.push(`${pid} ${commandOf(pid)}`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await until(() => !pids.some(processExists), { everyMs: 20, timeoutMs: 3_000 });
  const dirs: string[] = [];
  for (const dir of staleTempDirs(root))
    try {
      // Unmounts a dead run's data disks in it first (support/cleanup/mounts.ts).
      removeDir(dir);
      dirs.push(dir);
    } catch (error) {
      // Never fails the run: it is told, and the next run tries again.
      process.stderr.write(
        `faultline: could not remove ${dir}, left by a dead run: ${(error as Error).message}\n`,
      );
    }
  return { processes, dirs };
}

/**
 * Containers and networks of dead runs, when a container engine answers. Testcontainers is loaded only when
 * something that could be an engine is configured, so a machine without Docker pays nothing.
 */
async function sweepContainers(): Promise<Pick<Leftovers, 'containers' | 'networks'>> {
  if (!engineConfigured()) return { containers: [], networks: [] };
  const { engineReachable } = await import('../env/containers/runtime.ts');
  if (!(await engineReachable(3_000))) return { containers: [], networks: [] };
  const { sweepLeftovers } = await import('../env/containers/sweep.ts');
  return sweepLeftovers();
}

/** The whole start-of-run sweep; says on stderr what it removed, and never fails the run for a leftover. */
export async function sweepDeadRuns(root = tmpdir()): Promise<Leftovers> {
  const [local, containers] = await Promise.all([
    sweepLocal(root),
    sweepContainers().catch((error: Error) => {
      process.stderr.write(`faultline: could not sweep containers of dead runs: ${error.message}\n`);
      return { containers: [], networks: [] };
    }),
  ]);
  const swept = { ...local, ...containers, groups: sweepStaleGroups() };
  const parts = Object.entries(swept)
    .filter(([, items]) => items.length > 0)
    .map(([kind, items]) => `${items.length} ${kind} (${items.join(', ')})`);
  if (parts.length > 0)
    process.stderr.write(`faultline: removed leftovers of dead runs: ${parts.join('; ')}\n`);
  return swept;
}
