import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { residue } from './residue.ts';

// Every temp dir of a run carries this prefix so a later run can sweep what a killed run left behind.
export const TMP_PREFIX = 'faultline-';

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

export async function makeTempDir(label: string, root = tmpdir()): Promise<TempDir> {
  const path = await mkdtemp(join(root, `${TMP_PREFIX}${label}-`));
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
