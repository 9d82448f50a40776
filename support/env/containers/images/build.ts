import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { formatOwner, LABEL, ownerIsGone, parseOwner, runtime, self } from '../runtime.ts';
import type { TarArchive } from './tar.ts';

// Makes an image only when no image of that name carries the same content hash: a second run with
// unchanged inputs costs one inspect. Three ways to make one, all through the engine's API:
// - import a root filesystem archive (one layer, no builder: a fraction of a second per image);
// - build a Dockerfile (the platform: layered on a node image, so a source edit rebuilds one small layer);
// - commit a container made from another image (a baked postgres cluster; the proxy's entrypoint).
// Several faultline processes asking for the same image make it once (a lock file per image name).

export interface ImageSpec {
  /** repository:tag */
  name: string;
  /** Which faultline image this is (label faultline.image). */
  kind: string;
  /** Hash of everything the image is made from. */
  hash: string;
  make(docker: Dockerode, labels: Record<string, string>): Promise<void>;
}

export interface BuiltImage {
  name: string;
  built: boolean;
  ms: number;
}

export function hashOf(parts: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** FAULTLINE_IMAGE_TRACE=1 prints how long each step of making an image takes (to stderr). */
export async function traced<T>(step: string, fn: () => Promise<T>): Promise<T> {
  if (process.env.FAULTLINE_IMAGE_TRACE !== '1') return fn();
  const started = performance.now();
  try {
    return await fn();
  } finally {
    process.stderr.write(`[image] ${step}: ${Math.round(performance.now() - started)} ms\n`);
  }
}

const labelChanges = (labels: Record<string, string>) =>
  Object.entries(labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`);

/** Follows an engine progress stream to its end; collects `status`/`stream` lines, fails on `error`. */
async function follow(docker: Dockerode, stream: NodeJS.ReadableStream, what: string): Promise<string[]> {
  const lines: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (event: { stream?: string; status?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (event.stream) lines.push(event.stream.trimEnd());
        if (event.status) lines.push(event.status);
        if (event.error) failure ??= event.errorDetail?.message ?? event.error;
      },
    );
  });
  if (failure) throw new Error(`${what} failed: ${failure}\n${lines.slice(-15).join('\n')}`);
  return lines;
}

/** Imports a root filesystem as an image; `changes` are Dockerfile instructions (USER, CMD, ENV …). */
export async function importArchive(
  docker: Dockerode,
  archive: Readable,
  changes: string[],
  name?: string,
): Promise<string> {
  const [repo, tag] = name ? splitName(name) : [undefined, undefined];
  const what = `importing ${name ?? 'a root filesystem'}`;
  const lines = await traced(what, async () =>
    follow(docker, await docker.importImage(archive, { repo, tag, changes }), what),
  );
  const id = lines.map((l) => l.match(/sha256:[0-9a-f]{64}/)?.[0]).find(Boolean);
  if (!id) throw new Error(`importing ${name ?? 'a root filesystem'}: the engine reported no image id`);
  return id;
}

export function rootfsImage(
  spec: { name: string; kind: string; hash: string },
  archive: () => TarArchive,
  changes: string[],
): ImageSpec {
  return {
    ...spec,
    async make(docker, labels) {
      await importArchive(docker, archive().stream(), [...changes, ...labelChanges(labels)], spec.name);
    },
  };
}

export function splitName(name: string): [string, string] {
  const at = name.lastIndexOf(':');
  return at > name.lastIndexOf('/') ? [name.slice(0, at), name.slice(at + 1)] : [name, 'latest'];
}

/**
 * Makes a container of `base`, optionally unpacks `archive` into it at / and runs `cmd` to completion, then
 * commits the result as `name` with `changes` (Dockerfile instructions). The container is removed whatever
 * happens. No labels on it: a commit copies a container's labels into the image, and from there into every
 * container made from it.
 */
export async function commitRun(
  docker: Dockerode,
  base: string,
  opts: { cmd?: string[]; archive?: TarArchive },
  changes: string[],
  name: string,
): Promise<void> {
  const container = await docker.createContainer({
    Image: base,
    Cmd: opts.cmd,
    name: `${BUILD_CONTAINER_PREFIX}${process.pid}-${Date.now().toString(36)}`,
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    const archive = opts.archive;
    if (archive)
      await traced(`unpacking ${archive.fingerprint().length} files for ${name}`, () =>
        container.putArchive(archive.stream(), { path: '/' }),
      );
    const cmd = opts.cmd;
    if (cmd) {
      const result = await traced(`running ${cmd.join(' ').slice(0, 40)}… for ${name}`, async () => {
        await container.start();
        return (await container.wait()) as { StatusCode: number };
      });
      if (result.StatusCode !== 0) {
        const logs = (await container.logs({ stdout: true, stderr: true, tail: 30 })).toString('latin1');
        throw new Error(`making ${name}: \`${cmd.join(' ')}\` exited ${result.StatusCode}:\n${logs}`);
      }
    }
    const [repo, tag] = splitName(name);
    await traced(`committing ${name}`, () => container.commit({ repo, tag, changes }));
  } finally {
    // Removing a container with thousands of files takes seconds; the image does not wait for it. A
    // removal cut short by the process ending is finished by the next run's sweep (the name carries the pid).
    void container.remove({ force: true }).catch(() => undefined);
  }
}

/** Name prefix of the short-lived containers images are committed from; the pid follows it. */
export const BUILD_CONTAINER_PREFIX = 'faultline-image-build-';

/**
 * An image made from another one: `archive` unpacked at / on top of `base`, then `cmd` run (its effects
 * are part of the image), with `changes` applied.
 */
export function layeredImage(
  spec: { name: string; kind: string; hash: string },
  base: string,
  archive: (() => TarArchive) | undefined,
  changes: string[],
  cmd?: string[],
): ImageSpec {
  return {
    ...spec,
    async make(docker, labels) {
      await commitRun(
        docker,
        base,
        { archive: archive?.(), cmd },
        [...changes, ...labelChanges(labels)],
        spec.name,
      );
    },
  };
}

export async function imageLabels(name: string): Promise<Record<string, string> | undefined> {
  const client = await runtime();
  try {
    const info = await client.container.dockerode.getImage(name).inspect();
    return info.Config?.Labels ?? {};
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

export async function imageExists(name: string): Promise<boolean> {
  return (await imageLabels(name)) !== undefined;
}

export async function imageId(name: string): Promise<string> {
  const client = await runtime();
  return (await client.container.dockerode.getImage(name).inspect()).Id;
}

const LOCK_ROOT = join(tmpdir(), 'faultline-locks');

/** A lock between processes of this machine; a lock whose owner died is taken over. */
async function withLock<T>(name: string, fn: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  mkdirSync(LOCK_ROOT, { recursive: true });
  const path = join(LOCK_ROOT, `${name.replace(/[^a-z0-9.-]+/gi, '_')}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'owner'), formatOwner(self));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let owner: string | undefined;
      try {
        owner = readFileSync(join(path, 'owner'), 'utf8');
      } catch {
        // being written or removed right now
      }
      if (owner && ownerIsGone(parseOwner(owner))) rmSync(path, { recursive: true, force: true });
      else if (Date.now() > deadline)
        throw new Error(`waited ${timeoutMs} ms for another process making ${name} (lock ${path})`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

/** Makes `spec` unless an image of that name with the same content hash exists. */
export async function ensureImage(spec: ImageSpec): Promise<BuiltImage> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const current = async () => (await imageLabels(spec.name))?.[LABEL.contentHash] === spec.hash;
  if (await current()) return { name: spec.name, built: false, ms: ms() };
  return withLock(spec.name, async () => {
    if (await current()) return { name: spec.name, built: false, ms: ms() };
    const client = await runtime();
    await spec.make(client.container.dockerode, { [LABEL.contentHash]: spec.hash, [LABEL.image]: spec.kind });
    if (!(await current()))
      throw new Error(`made ${spec.name}, but the engine does not show it with content hash ${spec.hash}`);
    return { name: spec.name, built: true, ms: ms() };
  });
}

/**
 * Removes older tags of a content-hashed repository (e.g. faultline/platform:<old hash>); an image still
 * used by a container is kept (the engine refuses, and that is fine).
 */
export async function pruneOlder(repository: string, keep: string): Promise<void> {
  const client = await runtime();
  const docker = client.container.dockerode;
  const images = await docker.listImages({ filters: JSON.stringify({ reference: [`${repository}:*`] }) });
  for (const image of images)
    for (const tag of image.RepoTags ?? [])
      if (tag !== keep && tag.startsWith(`${repository}:`))
        await docker
          .getImage(tag)
          .remove()
          .catch(() => undefined);
}
