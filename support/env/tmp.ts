import { readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processStartTime } from './containers/runtime.ts';
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

/** Every directory this process made temp dirs in. */
const roots = new Set<string>();

// The last word, as the process exits: remove every temp dir that carries this process's owner tag. An
// interrupted run exits while steps may still be running (the teardown is asynchronous), so a mkdtemp can
// still be in the thread pool, its directory on disk but never registered for the sweep; its name says
// whose it is. Synchronous, as 'exit' handlers must be; after a normal run there is nothing left to find.
process.on('exit', () => {
  const tag = `-${ownerTag()}-`;
  for (const root of roots) {
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      continue;
    }
    for (const name of names)
      if (name.startsWith(TMP_PREFIX) && name.includes(tag))
        rmSync(join(root, name), { recursive: true, force: true });
  }
});

export async function makeTempDir(label: string, root = tmpdir()): Promise<TempDir> {
  // Once an interrupt's sweep began nothing new is made: it would be created after the sweep looked.
  if (residue.closing) throw new Error('the run is stopping (interrupted): no new temp dir');
  roots.add(root);
  const path = await mkdtemp(join(root, `${TMP_PREFIX}${label}-${ownerTag()}-`));
  residue.addDir(path);
  return {
    path,
    async remove() {
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
