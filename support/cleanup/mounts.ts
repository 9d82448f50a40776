import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { withoutOwner } from './owner.ts';

// Filesystems a run mounted inside its temp dirs (a service's data disk: support/env/disk.ts). A directory
// holding a mount point cannot be removed (EBUSY), and a recursive removal would empty the mounted
// filesystem first — so whatever removes a temp dir (the teardown, the interrupt's sweep, the exit handler,
// the next run's start sweep) unmounts what is under it before.

/** Where the kernel's mount table names a mount point: octal escapes for space, tab, newline, backslash. */
const decodeMountPoint = (field: string) =>
  field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** Mount points at or under `path`, deepest first (the order to unmount them in). */
export function mountsUnder(path: string): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const prefix = path.endsWith(sep) ? path : path + sep;
  return table
    .split('\n')
    .map((line) => decodeMountPoint(line.split(' ')[1] ?? ''))
    .filter((point) => point === path || point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

/**
 * Unmounts every filesystem at or under `path`. Lazily (`umount -l`): a process that still has a file open
 * on it (a service being stopped) does not keep the directory from going; the filesystem goes when it lets
 * go. Throws naming any it could not detach.
 */
export function unmountUnder(path: string): void {
  const failures: string[] = [];
  for (const point of mountsUnder(path)) {
    try {
      execFileSync('umount', ['-l', point], { stdio: ['ignore', 'ignore', 'pipe'], env: withoutOwner() });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      failures.push(`${point}: ${stderr || (error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not unmount ${failures.join('; ')}`);
}
