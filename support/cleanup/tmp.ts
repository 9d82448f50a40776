import { mkdtempSync } from 'node:fs';
import { chmod, chown, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from '../env/containers/runtime.ts';
import { unmountUnder } from './mounts.ts';
import { residue } from './residue.ts';

// Every temp dir of a run carries this prefix so a later run can sweep what a killed run left behind.
export const TMP_PREFIX = 'faultline-';

// The owner (pid and kernel start time) is written into the directory's *name*: mkdtemp creates name and
// directory in one step, so no SIGKILL can leave a directory whose owner is unknown (a marker file written
// afterwards could be missing), and the name stays readable after postgres takes the directory over (0700).
const OWNER_TAG = /-o(\d+)t(\d+)-[A-Za-z0-9]{6}$/;

let ownTag: string | undefined;
function ownerTag(): string {
  ownTag ??= `o${process.pid}t${processStartTime(process.pid) ?? 0}`;
  return ownTag;
}

/** The process that created a temp dir, from its name; undefined for names this module did not make. */
export function ownerOfTempDir(name: string): { pid: number; startTime: string } | undefined {
  if (!name.startsWith(TMP_PREFIX)) return undefined;
  const match = name.match(OWNER_TAG);
  return match ? { pid: Number(match[1]), startTime: match[2]! } : undefined;
}

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

/**
 * A new temp dir, registered for removal at an interrupt or exit (support/cleanup/residue.ts) before anything
 * else can happen. Made synchronously, on purpose: an asynchronous mkdtemp waits in libuv's thread pool, and
 * Node's process.exit runs the 'exit' handlers first and drains that pool after them — an interrupt that
 * exits while the mkdtemp is queued (a busy pool, a loaded machine) got the directory created after the last
 * sweep had looked, left behind for good. Here the check that the run is not stopping, the mkdir and the
 * registration happen in one synchronous stretch that no signal handler can split.
 */
export async function makeTempDir(label: string, root = tmpdir()): Promise<TempDir> {
  // Once an interrupt's sweep began nothing new is made: it would be created after the sweep looked.
  if (residue.closing) throw new Error(`the run is stopping (interrupted): no new temp dir for ${label}`);
  const path = mkdtempSync(join(root, `${TMP_PREFIX}${label}-${ownerTag()}-`));
  residue.addDir(path);
  return {
    path,
    async remove() {
      // Still registered while the removal runs: an exit meanwhile removes it (a removal cannot recreate it).
      // A data disk mounted in it is detached first (support/env/disk.ts).
      unmountUnder(path);
      await rm(path, { recursive: true, force: true });
      residue.deleteDir(path);
    },
  };
}

/** Hand a directory to another account (postgres refuses to run as root). */
export async function giveTo(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  await chmod(path, 0o700);
}
