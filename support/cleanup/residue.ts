import {
  type Dirent,
  existsSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { until } from '../poll.ts';
import { unmountUnder } from './mounts.ts';

// Everything a run creates, from the moment it exists: processes and temp dirs on this machine, proxies in
// an external fault proxy. An interrupted run (Ctrl-C while a topology is half up) never reaches the code
// that would normally stop them, so the signal handler sweeps whatever is registered here.

interface Stoppable {
  stop(graceMs: number): Promise<void>;
}

/** Something the run made outside this machine: a proxy in an external fault proxy, which outlives the run. */
export interface Removable {
  remove(): Promise<void>;
}

const processes = new Set<Stoppable>();
const dirs = new Set<string>();
const elsewhere = new Set<Removable>();

/**
 * Removes a temp dir of the run at once, synchronously. Renamed first, in one atomic step, to a name that
 * still carries its owner (a SIGKILL half-way leaves it to the next run's start sweep): whatever a step that
 * goes on running still has in the thread pool — a file or subdirectory being created in it, which Node
 * runs even after the 'exit' handlers — then finds no parent and fails, instead of landing between the
 * removal's listing and its final rmdir.
 */
export function removeDir(path: string): void {
  // A data disk mounted inside it goes first: a mount point cannot be renamed over or removed.
  unmountUnder(path);
  const doomed = join(dirname(path), basename(path).replace(/^([^-]*-)/, '$1removing-'));
  try {
    renameSync(path, doomed);
  } catch (error) {
    // Gone already (or renamed by an earlier attempt, removed below); anything else: remove it where it is.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') removeTree(path);
  }
  removeTree(doomed);
}

/**
 * Removes a tree, each entry on its own. Not rmSync alone: it takes an ENOENT met half-way — an entry
 * removed or renamed meanwhile by someone else (the asynchronous removal of a service's stop, Postgres's or
 * the PKI's write-then-rename) — for success and returns with the rest of the tree still there (seen: a
 * Postgres data dir left after a "successful" removal; test/support/tmp-exit.test.ts). Here an entry gone
 * meanwhile is simply gone, and a directory that gained an entry meanwhile is listed again.
 */
function removeTree(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  if (existsSync(path)) removeEach(path, 0);
}

function removeEach(path: string, again: number): void {
  const code = (error: unknown) => (error as NodeJS.ErrnoException).code;
  let entries: Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    if (code(error) !== 'ENOTDIR') throw error;
    unlinkFile(path);
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) removeEach(child, 0);
    else
      try {
        unlinkSync(child);
      } catch (error) {
        if (code(error) !== 'ENOENT') throw error;
      }
  }
  try {
    rmdirSync(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    // Something was created in it meanwhile (a write already under way when the tree was renamed).
    if (code(error) !== 'ENOTEMPTY' || again >= 10) throw error;
    removeEach(path, again + 1);
  }
}

function unlinkFile(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Removes each dir; those that could not be removed stay in `from` (for the exit's last attempt). */
function removeAll(from: Set<string>): void {
  for (const dir of from) {
    try {
      removeDir(dir);
      from.delete(dir);
    } catch (error) {
      process.stderr.write(`faultline: could not remove the temp dir ${dir}: ${(error as Error).message}\n`);
    }
  }
}

/**
 * Processes still at work in the run's temp dirs, or carrying the run's owner (FAULTLINE_OWNER, which every
 * child inherits), after the registered ones were stopped: Postgres's own backends outlive a postmaster
 * killed after its grace period, and go on writing in its data dir — a removal racing them fails.
 */
function strays(roots: string[]): number[] {
  const owner = process.env.FAULTLINE_OWNER;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      const inside = roots.some((root) => cwd === root || cwd.startsWith(`${root}/`));
      const ours =
        owner !== undefined &&
        readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(`FAULTLINE_OWNER=${owner}`);
      if (inside || ours) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function killStrays(roots: string[]): Promise<void> {
  const pids = strays(roots);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  // A zombie has stopped writing: only its parent (perhaps init, perhaps never) reaps it.
  const alive = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  await until(() => !pids.some(alive), { everyMs: 20, timeoutMs: 3_000 });
}

// The last word, as the process exits (an interrupt's sweep ends in process.exit; a normal run has removed
// its dirs by then): every temp dir still registered goes. Synchronous, as 'exit' handlers must be.
process.on('exit', () => removeAll(dirs));

/** Set once the sweep began: the run is stopping, and nothing new may be created (see tmp.ts). */
let closing = false;

export const residue = {
  addProcess(p: Stoppable): void {
    processes.add(p);
  },
  deleteProcess(p: Stoppable): void {
    processes.delete(p);
  },
  addElsewhere(thing: Removable): void {
    elsewhere.add(thing);
  },
  deleteElsewhere(thing: Removable): void {
    elsewhere.delete(thing);
  },
  addDir(path: string): void {
    dirs.add(path);
  },
  deleteDir(path: string): void {
    dirs.delete(path);
  },
  /** This run's temp dirs that exist right now: what a fault may rewrite files in (support/faults/guard.ts). */
  dirs(): string[] {
    return [...dirs];
  },
  /** True once the run began stopping (an interrupt): no new temp dir may be made. */
  get closing(): boolean {
    return closing;
  },
  /** The run is stopping: from now on nothing new is made (the sweep will not look again). */
  close(): void {
    closing = true;
  },
  async sweep(): Promise<void> {
    closing = true;
    // A short grace lets postgres shut down cleanly before its directory is removed under it.
    await Promise.allSettled([
      ...[...processes].map((p) => p.stop(1_500)),
      ...[...elsewhere].map((thing) => thing.remove()),
    ]);
    processes.clear();
    elsewhere.clear();
    await killStrays([...dirs]);
    removeAll(dirs);
  },
};
