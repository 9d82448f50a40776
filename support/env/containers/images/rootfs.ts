import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TarArchive } from './tar.ts';

// Root filesystems assembled from this machine's own binaries: each executable with the shared libraries
// `ldd` lists (and the dynamic loader), plus a static busybox for the few shell tools an image needs.
// That is all a registry-free image of a dynamically linked server needs.

export class MissingHostFileError extends Error {}

/** Shared libraries (and the loader) each ELF file needs, as absolute host paths; one ldd run for all. */
export function sharedLibraries(files: string[]): Map<string, string[]> {
  const result = new Map<string, string[]>(files.map((f) => [f, []]));
  if (files.length === 0) return result;
  let out: string;
  try {
    out = execFileSync('ldd', files, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    // ldd exits non-zero when any file is static ("not a dynamic executable"); its stdout is still usable.
    const failed = error as { stdout?: string; stderr?: string };
    out = failed.stdout ?? '';
    const text = failed.stderr ?? '';
    if (!/not a dynamic executable|statically linked/.test(`${out}${text}`))
      throw new MissingHostFileError(
        `ldd ${files.join(' ')} failed: ${text.trim() || (error as Error).message}`,
      );
  }
  let current = files.length === 1 ? files[0]! : undefined;
  for (const line of out.split('\n')) {
    const heading = line.match(/^(\/\S+):$/);
    if (heading && result.has(heading[1]!)) {
      current = heading[1]!;
      continue;
    }
    if (/=>\s+not found/.test(line))
      throw new MissingHostFileError(`${current} needs a library this machine lacks: ${line.trim()}`);
    const arrow = line.match(/=>\s+(\/\S+)/);
    const loader = line.trim().match(/^(\/\S+)\s+\(/);
    const lib = arrow?.[1] ?? loader?.[1];
    if (lib && current) result.get(current)!.push(lib);
  }
  return result;
}

export const SHELL_APPLETS = [
  'sh',
  'cat',
  'awk',
  'grep',
  'nc',
  'id',
  'rm',
  'printf',
  'cut',
  'sha256sum',
  'chown',
];

export class Rootfs {
  readonly tar = new TarArchive();

  /** An executable or shared object, with everything it links against; `target` places it elsewhere. */
  binary(hostPath: string, target = hostPath): this {
    return this.binaries([[hostPath, target]]);
  }

  /** Several executables or shared objects ([host path, path inside] pairs) with what they link against. */
  binaries(pairs: [string, string][]): this {
    for (const [hostPath] of pairs)
      if (!existsSync(hostPath)) throw new MissingHostFileError(`${hostPath} does not exist on this machine`);
    const libs = sharedLibraries(pairs.map(([hostPath]) => hostPath));
    for (const [hostPath, target] of pairs) {
      this.tar.hostFile(target, hostPath);
      for (const lib of libs.get(hostPath) ?? []) if (!this.tar.has(lib)) this.tar.hostFile(lib, lib);
    }
    return this;
  }

  /** A directory tree taken as it is (data such as postgres' share directory). */
  tree(hostPath: string): this {
    if (!existsSync(hostPath)) throw new MissingHostFileError(`${hostPath} does not exist on this machine`);
    this.tar.hostTree(hostPath, hostPath);
    return this;
  }

  /** Static busybox with the named applets as /bin/<applet>. */
  busybox(applets: string[]): this {
    const host = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
    if (!host)
      throw new MissingHostFileError(
        'busybox not found: install the static one (Debian/Ubuntu: apt-get install -y busybox-static)',
      );
    if ((sharedLibraries([host]).get(host) ?? []).length > 0)
      throw new MissingHostFileError(
        `${host} is linked dynamically: install the static busybox (apt-get install -y busybox-static)`,
      );
    this.tar.hostFile('/bin/busybox', host, { mode: 0o755 });
    for (const applet of applets) this.tar.symlink(`/bin/${applet}`, 'busybox');
    return this;
  }

  file(path: string, content: string, mode = 0o644): this {
    this.tar.data(path, content, { mode });
    return this;
  }

  dir(path: string, owner: { uid?: number; gid?: number; mode?: number } = {}): this {
    this.tar.dir(path, owner);
    return this;
  }

  /** /etc/passwd and /etc/group with root and the service accounts; names resolve through files, then DNS. */
  accounts(users: { name: string; id: number; home: string }[]): this {
    const passwd = [
      'root:x:0:0:root:/root:/bin/sh',
      ...users.map((u) => `${u.name}:x:${u.id}:${u.id}::${u.home}:/bin/sh`),
    ];
    const group = ['root:x:0:', ...users.map((u) => `${u.name}:x:${u.id}:`)];
    this.file('/etc/passwd', `${passwd.join('\n')}\n`);
    this.file('/etc/group', `${group.join('\n')}\n`);
    this.file('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
    this.dir('/tmp', { mode: 0o1777 });
    return this;
  }
}
