import { accessSync, constants, existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { TopologyError } from '../../system/topology.ts';

// What a process service's container sees of this machine. The container's image holds next to nothing
// (images/catalog.ts offlineBase); the command runs this machine's own programs and libraries, mounted at
// the same paths, so `python3 app.py` in ./api runs the same binaries, modules and files as on the local
// backend. Only works where the engine shares this machine's filesystem (a local dockerd on Linux).

export interface Mount {
  source: string;
  target: string;
  mode: 'ro' | 'rw';
}

/**
 * Top-level directories holding programs, libraries and system configuration. On a merged-/usr system
 * /bin, /lib … are symlinks into /usr: the base image carries the same symlinks, and only the real
 * directories are mounted. /etc whole (certificates, alternatives, the loader's cache, accounts); the
 * engine mounts its own /etc/hosts, /etc/resolv.conf and /etc/hostname over it, so names on the run's
 * network still resolve.
 */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

/** The system directories that are symlinks here (merged /usr), as [path, link target] pairs. */
export function systemLinks(): [string, string][] {
  return SYSTEM_DIRS.flatMap((dir): [string, string][] => {
    try {
      return lstatSync(dir).isSymbolicLink() ? [[dir, readlinkRelative(dir)]] : [];
    } catch {
      return [];
    }
  });
}

function readlinkRelative(path: string): string {
  // realpath, not readlink: the image needs a target that resolves the same way inside.
  const real = realpathSync(path);
  return real.startsWith('/') ? real.slice(1) : real;
}

const FAULTLINE_CONFIG = ['faultline.config.ts', 'faultline.config.mjs', 'faultline.config.js'];

/**
 * The project a service belongs to: the nearest folder at or above its cwd holding a faultline config (its
 * node_modules, shared sources and data live there); the cwd itself when none does.
 */
export function projectRoot(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (FAULTLINE_CONFIG.some((f) => existsSync(join(dir, f)))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

const within = (path: string, dir: string) =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/** Symlinked entries at the top of `dir` and of its node_modules (a linked checkout, a workspace) that point elsewhere. */
function linkedTargets(dir: string): string[] {
  const out: string[] = [];
  const scan = (folder: string, depth: number) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isSymbolicLink()) {
        try {
          const real = realpathSync(path);
          out.push(real);
          if (entry.name === 'node_modules') scan(real, 1);
        } catch {
          // A dangling link is as broken inside as outside.
        }
      } else if (entry.isDirectory() && depth === 0 && entry.name === 'node_modules') scan(path, 1);
      else if (entry.isDirectory() && depth === 1 && entry.name.startsWith('@')) scan(path, 2);
    }
  };
  scan(dir, 0);
  return out;
}

/** argv[0] as the local backend runs it: `node` is the runner's own Node; a bare name is looked up on PATH. */
export function resolveProgram(program: string, cwd: string, path = process.env.PATH ?? ''): string {
  if (program === 'node') return realpathSync(process.execPath);
  if (program.includes('/')) return isAbsolute(program) ? program : resolve(cwd, program);
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = resolve(cwd, dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new TopologyError(
    `'${program}' is not a program on this machine's PATH (${path}); the containers backend runs process services with this machine's own programs: install it, or give its path`,
  );
}

/**
 * The folder a program is installed in: the one above its bin/ or shims/ (a version manager's shim such as
 * ~/.pyenv/shims/python3 runs ~/.pyenv/libexec/pyenv and a Python under ~/.pyenv/versions), else its own.
 */
function installationOf(program: string): string {
  const dir = dirname(program);
  return ['bin', 'sbin', 'shims'].includes(basename(dir)) ? dirname(dir) : dir;
}

export interface MountPlan {
  /** The program to exec, as an absolute path (the same inside and out). */
  program: string;
  mounts: Mount[];
}

/**
 * Mounts for one process service: the system directories and the runner's Node read-only; the project
 * (and what its top level links to) and the cwd read-write, as a local process may write there; shared
 * directories read-only; the program's installation and the folder of any absolute path among the
 * arguments when outside all of those.
 */
export function planMounts(spec: {
  command: string[];
  cwd: string;
  shared: string[];
  writable: string[];
}): MountPlan {
  if (process.platform !== 'linux')
    throw new TopologyError(
      `the containers backend runs a process service with this machine's own programs, mounted into a Linux container; this machine runs ${process.platform}: declare it as container('…', { image }) or use FAULTLINE_BACKEND=local`,
    );
  const [first, ...args] = spec.command;
  const program = resolveProgram(first!, spec.cwd);
  const root = projectRoot(spec.cwd);
  const wanted: Mount[] = [];
  const add = (path: string, mode: Mount['mode']) => {
    const source = resolve(path);
    if (existsSync(source)) wanted.push({ source, target: source, mode });
  };
  for (const dir of SYSTEM_DIRS) {
    try {
      if (!lstatSync(dir).isSymbolicLink()) add(dir, 'ro');
    } catch {
      // not on this machine
    }
  }
  add(dirname(realpathSync(process.execPath)), 'ro');
  add(root, 'rw');
  add(spec.cwd, 'rw');
  for (const target of [...linkedTargets(root), ...(root === spec.cwd ? [] : linkedTargets(spec.cwd))])
    add(target, 'rw');
  for (const dir of spec.shared) add(dir, 'ro');
  for (const dir of spec.writable) add(dir, 'rw');
  for (const path of [program, realpathSync(program)]) add(installationOf(path), 'ro');
  for (const arg of args) if (isAbsolute(arg) && existsSync(arg)) add(dirname(arg), 'ro');
  return { program, mounts: minimal(wanted) };
}

/** Drops every mount inside another one (the outer one decides), keeping the first of equal ones. */
function minimal(mounts: Mount[]): Mount[] {
  const sorted = [...mounts].sort((a, b) => a.source.length - b.source.length);
  const kept: Mount[] = [];
  for (const m of sorted) if (!kept.some((k) => within(m.source, k.source))) kept.push(m);
  return kept;
}
