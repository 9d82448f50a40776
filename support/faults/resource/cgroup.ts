import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { type Removable, residue } from '../../cleanup/residue.ts';

// A service's resource group: the cgroup v1 directories its processes run in, per controller (cpu, cpuacct,
// cpuset, memory). A resource fault writes its limit there and reads its proof (usage, throttling, OOM
// kills) back from there.
//
// On the local backend the service's processes share the runner's groups, so a fault makes groups of its
// own — a child of the group the service is in (so whatever bounds the runner still bounds it), named
// `faultline-<runner pid>-t<thread>-<service>-<n>` — and moves the service's processes in; the undo moves
// them back to where they were and removes the directories. On the containers backend every container already has a
// group of its own (the engine's cgroupfs driver): the fault writes its limit there and puts back the value
// it found. Either way every change is registered with the run's residue before it is made, so an
// interrupt puts it back too. Nothing outside the service's own processes and groups is ever written.

export const CGROUP_ROOT = '/sys/fs/cgroup';

export type Controller = 'cpu' | 'cpuacct' | 'cpuset' | 'memory';

/** The prefix every group a run makes carries: what the interrupt test's residue check looks for. */
export const groupPrefix = (runner = process.pid) => `faultline-${runner}-`;

/** The group a process is in, per controller, as /proc/<pid>/cgroup names it (a path in that hierarchy). */
export function groupOf(pid: number, controller: Controller): string {
  const text = readFileSync(`/proc/${pid}/cgroup`, 'latin1');
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (controllers?.split(',').includes(controller) && path !== undefined) return path;
  }
  throw new Error(`pid ${pid} is in no cgroup v1 '${controller}' hierarchy (/proc/${pid}/cgroup)`);
}

/** Where a controller's hierarchy is mounted; a clear error when it is not (no cgroup v1 here). */
export function mountOf(controller: Controller): string {
  const mount = join(CGROUP_ROOT, controller);
  if (!existsSync(join(mount, 'cgroup.procs')))
    throw new Error(
      `resource faults need the cgroup v1 '${controller}' controller mounted at ${mount} (this machine has ${existsSync(CGROUP_ROOT) ? readdirSync(CGROUP_ROOT).join(', ') || 'nothing' : 'no'} under ${CGROUP_ROOT})`,
    );
  return mount;
}

/** Why this runner cannot change cgroups or limits, or undefined when it can (root on the local backend). */
export function resourceAccessMissing(step: string): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  return `${step} needs root on this machine: it creates cgroup v1 groups under ${CGROUP_ROOT}/<controller>, moves the service's processes into them and changes their limits (prlimit), which only root may do. Run faultline as root (sudo -E npx faultline run …), or use FAULTLINE_BACKEND=containers with a Docker engine this user may drive`;
}

export function readGroup(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'latin1').trim();
}

export function writeGroup(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw Object.assign(
      new Error(`could not write ${value} to ${join(dir, file)}: ${code ?? (error as Error).message}`),
      {
        code,
      },
    );
  }
}

/** Pids in a group right now. */
export function pidsIn(dir: string): number[] {
  try {
    return readGroup(dir, 'cgroup.procs').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One key of a flat-keyed cgroup file (cpu.stat, memory.oom_control, memory.stat). */
export function statOf(dir: string, file: string, key: string): number {
  for (const line of readGroup(dir, file).split('\n')) {
    const [k, v] = line.split(' ');
    if (k === key) return Number(v);
  }
  return 0;
}

let made = 0;

/** A group path with every group a fault made stripped off its end: where the service itself lives. */
export function baseOf(path: string): string {
  const parts = path.split('/');
  while (parts.length > 1 && parts.at(-1)?.startsWith('faultline-')) parts.pop();
  return parts.join('/') || '/';
}

/**
 * A service's group on the controllers a fault needs. On the local backend the fault makes a group of its
 * own per controller — beside any another fault made (never inside it: each undo then stands alone) — or,
 * when asked to `share` (memory held *in* the service's group), joins the group another fault already put
 * the service in. On the containers backend it is the container's own group. Every file written is put
 * back at release; every group made is removed, its processes moved back.
 */
export class ResourceGroup {
  readonly dirs: Record<Controller, string>;
  /** A group of the run's own (local backend), rather than the container's. */
  readonly own: boolean;
  /** The controllers whose group this fault made (and removes at release). */
  private readonly made: ReadonlySet<Controller>;
  /** Per pid moved in: the group it came from, per controller. */
  private readonly came = new Map<number, Partial<Record<Controller, string>>>();
  /** Every file written, with the value found before: put back newest first at release. */
  private readonly written: { dir: string; file: string; before: string }[] = [];
  private readonly sweep: Removable;
  private released = false;
  /**
   * What the group's memory usage counts: the service's whole use ('moved': its charges came with it; a
   * container's own group), or only what it allocated since it was moved in ('new': this kernel no longer
   * moves charges).
   */
  charges: 'moved' | 'new' = 'moved';
  private readonly controllers: readonly Controller[];

  private constructor(
    dirs: Record<Controller, string>,
    own: boolean,
    made: ReadonlySet<Controller>,
    controllers: readonly Controller[],
  ) {
    this.controllers = controllers;
    this.dirs = dirs;
    this.own = own;
    this.made = made;
    this.sweep = { remove: async () => this.release() };
  }

  /**
   * The service's group on these controllers (see the class). Registered with the run's residue before
   * anything is changed; a group half made is removed at once.
   */
  static async open(
    service: string,
    pids: readonly number[],
    controllers: readonly Controller[],
    backend: string,
    options: { share?: boolean } = {},
  ): Promise<ResourceGroup> {
    const main = pids[0];
    if (main === undefined) throw new Error(`${service} has no running process to put in a resource group`);
    const mounts = Object.fromEntries(controllers.map((c) => [c, mountOf(c)])) as Record<Controller, string>;
    if (backend !== 'local') {
      const dirs = Object.fromEntries(
        controllers.map((c) => [c, join(mounts[c], groupOf(main, c))]),
      ) as Record<Controller, string>;
      for (const c of controllers)
        if (groupOf(main, c) === '/')
          throw new Error(
            `${service}'s container (pid ${main}) has no '${c}' group of its own: refusing to change the machine's root group`,
          );
      const group = new ResourceGroup(dirs, false, new Set(), controllers);
      residue.addElsewhere(group.sweep);
      return group;
    }
    made += 1;
    // The thread too: cucumber's parallel workers are threads of one process, each counting its own.
    const name = `${groupPrefix()}t${threadId}-${service.replace(/[^A-Za-z0-9_.-]/g, '_')}-${made}`;
    const current = Object.fromEntries(controllers.map((c) => [c, groupOf(main, c)])) as Record<
      Controller,
      string
    >;
    const reused = new Set(controllers.filter((c) => options.share && current[c] !== baseOf(current[c])));
    const dirs = Object.fromEntries(
      controllers.map((c) => [
        c,
        reused.has(c) ? join(mounts[c], current[c]) : join(mounts[c], baseOf(current[c]), name),
      ]),
    ) as Record<Controller, string>;
    const group = new ResourceGroup(
      dirs,
      true,
      new Set(controllers.filter((c) => !reused.has(c))),
      controllers,
    );
    residue.addElsewhere(group.sweep);
    try {
      for (const c of group.made) {
        mkdirSync(dirs[c]);
        // A cpuset group takes no process until it has CPUs and memory nodes: its parent's.
        if (c === 'cpuset')
          for (const file of ['cpuset.cpus', 'cpuset.mems'])
            writeGroup(dirs[c], file, readGroup(join(dirs[c], '..'), file));
        // The service's memory comes with it where the kernel still moves charges (cgroup v1 before
        // 6.x), so the group's usage is the service's whole use, as a container's is; newer kernels refuse
        // (EINVAL) and the group then counts what the service allocates from now on.
        if (c === 'memory')
          try {
            writeGroup(dirs[c], 'memory.move_charge_at_immigrate', '3');
            group.charges = 'moved';
          } catch {
            group.charges = 'new';
          }
      }
      for (const pid of pids) group.join(pid);
    } catch (error) {
      // Half made: nothing of it stays.
      await group.release().catch(() => undefined);
      throw error;
    }
    return group;
  }

  /** Moves one more process in (a service's process, or a hog / holder the fault runs beside it). */
  join(pid: number): void {
    const from: Partial<Record<Controller, string>> = {};
    for (const c of this.controllers) {
      from[c] = groupOf(pid, c);
      writeGroup(this.dirs[c], 'cgroup.procs', String(pid));
    }
    this.came.set(pid, from);
  }

  read(controller: Controller, file: string): string {
    return readGroup(this.dirs[controller], file);
  }

  stat(controller: Controller, file: string, key: string): number {
    return statOf(this.dirs[controller], file, key);
  }

  /** Writes a limit, remembering the value it replaces (put back at release). */
  set(controller: Controller, file: string, value: string): void {
    const dir = this.dirs[controller];
    const before = readGroup(dir, file);
    this.written.push({ dir, file, before });
    writeGroup(dir, file, value);
  }

  pids(controller: Controller): number[] {
    return pidsIn(this.dirs[controller]);
  }

  /**
   * Puts everything back: every limit written (newest first), every process moved back to the group it
   * came from (a process that arrived otherwise, e.g. a child it forked, to the group's parent), every group
   * made removed. Idempotent; a container's group gone with its container is nothing to put back. Throws
   * naming whatever could not be put back.
   */
  async release(): Promise<void> {
    if (this.released) return;
    const failures: string[] = [];
    for (const w of [...this.written].reverse()) {
      if (!existsSync(w.dir)) continue;
      try {
        writeGroup(w.dir, w.file, w.before);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    for (const c of this.made) {
      const dir = this.dirs[c];
      if (!existsSync(dir)) continue;
      for (const pid of pidsIn(dir)) {
        // Back where it came from; if that group is gone meanwhile (another fault's, undone first), to
        // where the service itself lives.
        const came = this.came.get(pid)?.[c];
        const back = came && existsSync(join(mountOf(c), came)) ? came : baseOf(came ?? relativeTo(c, dir));
        try {
          writeGroup(join(mountOf(c), back), 'cgroup.procs', String(pid));
        } catch (error) {
          // Exited meanwhile: nothing left to move.
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') failures.push((error as Error).message);
        }
      }
      // A process that just exited leaves the group a moment later.
      for (let i = 0; ; i++) {
        try {
          rmdirSync(dir);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (i >= 50) {
            failures.push(
              `could not remove ${dir}: ${code}; processes still in it: ${pidsIn(dir).join(', ')}`,
            );
            break;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    if (failures.length > 0) throw new Error(`could not put back the resource group: ${failures.join('; ')}`);
    this.released = true;
    residue.deleteElsewhere(this.sweep);
  }
}

/** A group directory as a path inside its controller's hierarchy. */
function relativeTo(controller: Controller, dir: string): string {
  return dir.slice(mountOf(controller).length) || '/';
}

/** Groups a run made that still exist (any runner's when `runner` is undefined): the residue check. */
export function groupsLeft(runner?: number): string[] {
  const prefix = runner === undefined ? 'faultline-' : groupPrefix(runner);
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      try {
        if (!statSync(path).isDirectory()) continue;
      } catch {
        continue;
      }
      if (entry.startsWith(prefix)) found.push(path);
      else if (depth < 4) walk(path, depth + 1);
    }
  };
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory'] as const) walk(join(CGROUP_ROOT, c), 0);
  return found;
}

/**
 * The start-of-run sweep's part: groups made by runners that are gone (a SIGKILLed run runs no undo). Their
 * processes died with the runner (parent-death signal), so the groups are empty and are removed; one still
 * holding a process is left alone and named.
 */
export function sweepStaleGroups(): string[] {
  const removed: string[] = [];
  for (const dir of groupsLeft()) {
    const runner = Number(
      dir
        .split('/')
        .pop()
        ?.match(/^faultline-(\d+)-/)?.[1],
    );
    if (!Number.isInteger(runner) || existsSync(`/proc/${runner}`)) continue;
    try {
      rmdirSync(dir);
      removed.push(dir);
    } catch (error) {
      process.stderr.write(
        `faultline: a resource group of a dead run is left at ${dir}: ${(error as NodeJS.ErrnoException).code} (processes in it: ${pidsIn(dir).join(', ') || 'none'})\n`,
      );
    }
  }
  return removed;
}
