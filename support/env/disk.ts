import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { unmountUnder } from '../cleanup/mounts.ts';
import { withoutOwner } from '../cleanup/owner.ts';
import { makeTempDir } from '../cleanup/tmp.ts';

// A service's data disk: the directory it keeps its data in, on a filesystem of the size its declaration
// gives (`disk: '16 MB'`), so that a disk fault can fill it (support/faults/resource/disk.ts) and the service
// meets ENOSPC exactly as on a full volume — without touching the machine's own disks. A tmpfs mounted inside
// the run's temp dir, on both backends (a container gets it bind-mounted): the fault writes its ballast and
// reads the filesystem's figures from this machine either way. Mounting needs root; without it the
// directory is a plain one on the machine's disk, and a disk fault on it refuses, naming why.

export interface DataDisk {
  /** The data directory (the mount point, when it is a filesystem of its own). */
  path: string;
  /** The size declared for it. */
  bytes: number;
  /** Why it is not a filesystem of its own (no root), or undefined when it is. */
  unmounted?: string;
  remove(): Promise<void>;
}

/** Used and total bytes of the filesystem a path is on, as statfs reports them. */
export function usageOf(path: string): { used: number; size: number; free: number } {
  const s = statfsSync(path);
  const size = s.blocks * s.bsize;
  const free = s.bavail * s.bsize;
  return { used: size - s.bfree * s.bsize, size, free };
}

export async function makeDisk(service: string, bytes: number): Promise<DataDisk> {
  const dir = await makeTempDir(`${service}-disk`);
  const path = join(dir.path, 'data');
  mkdirSync(path, { mode: 0o777 });
  const remove = async () => {
    unmountUnder(dir.path);
    await dir.remove();
  };
  if (process.getuid?.() !== 0)
    return {
      path,
      bytes,
      unmounted: `${service}'s data directory is a plain directory on this machine's disk: a filesystem of ${bytes} bytes of its own is a tmpfs mount, which needs root`,
      remove,
    };
  try {
    // Mode 0777: the service may run as another account (a container's user, Postgres's).
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0777`, 'faultline-disk', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: withoutOwner(), // a cleaner's tool: no sweep may kill it half-way (cleanup/owner.ts)
    });
  } catch (error) {
    await remove();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(
      `could not give ${service} a data disk of ${bytes} bytes at ${path}: ${stderr || (error as Error).message}`,
    );
  }
  return { path, bytes, remove };
}
