import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type DataDisk, usageOf } from '../../env/disk.ts';
import type { Environment } from '../../env/environment.ts';
import { StepInputError } from '../../parse.ts';
import type { FaultSpec, TrafficProof } from '../ledger.ts';
import { type OperationsSource, trafficInto } from '../process/felt.ts';
import { until, withRedis } from '../stores/store.ts';
import { formatBytes } from './bounds.ts';
import { noDataDisk } from './words.ts';

// A full disk: the service's data disk (support/env/disk.ts, a filesystem of the size its declaration gives)
// filled to a share of its size — or completely — by a ballast file of faultline's, which the undo deletes.
// Nothing outside that filesystem is written, and never more than its size. The proof the fault took effect
// is the filesystem's own figures (statfs) with the ballast in; the proof the system felt it is, for Redis,
// the store itself reporting its append-only file's writes failing (INFO persistence) while the disk was
// full, and for a process service, its traffic reaching it meanwhile (it is the one writing on the disk).

/** The ballast's name in the data directory: a dot file, so a service listing its data may skip it. */
export const BALLAST = '.faultline-ballast';
const CHUNK = 64 * 1024;
const SAMPLE_MS = 200;
/** Redis retries a failed append-only write once a second (serverCron): time for it to find room again. */
const RECOVER_MS = 10_000;

/** The data disk a fault fills, or a clear error: none declared, or not a filesystem of its own. */
export function diskOf(env: Environment, service: string): DataDisk {
  const disk = env.disk?.(service);
  if (!disk) throw noDataDisk(env.topology, service, env.disk ? '' : ` on the ${env.backend} backend`);
  if (disk.unmounted)
    throw new StepInputError(
      `the disk of ${service} cannot be filled: ${disk.unmounted}. Run faultline as root (sudo -E npx faultline run …)`,
    );
  return disk;
}

/** Writes zeros into `path` until the filesystem holds `target` bytes or is full; the bytes written. */
function fill(path: string, dir: string, target: number): number {
  const zeros = Buffer.alloc(CHUNK);
  const fd = openSync(path, 'w');
  let written = 0;
  try {
    for (;;) {
      const missing = target - usageOf(dir).used;
      if (missing <= 0) break;
      try {
        written += writeSync(fd, zeros, 0, Math.min(CHUNK, missing));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

/** Redis's own word on its append-only file: ok, or err when its last write failed. */
async function aofStatus(env: Environment, name: string): Promise<string> {
  const info = await withRedis(env, name, (r) => r.info('persistence'));
  return /aof_last_write_status:(\w+)/.exec(info)?.[1] ?? 'unknown';
}

export function diskFull(
  env: Environment,
  target: string,
  options: { percent: number; text: string; durationMs?: number; operations?: OperationsSource },
): FaultSpec {
  if (!(options.percent > 0 && options.percent <= 100))
    throw new StepInputError(`'${options.text}' is not a share of a disk: write 1% to 100%, or "is full"`);
  const store = env.topology.services.find((s) => s.name === target)?.kind === 'redis';
  const traffic = store ? undefined : trafficInto(env, [target], 'full disk', options.operations);
  let ballast: string | undefined;
  let refusedAt: number | undefined;
  let startedAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let sampling: Promise<void> = Promise.resolve();
  const full = options.percent === 100;
  return {
    kind: 'disk-full',
    description: full ? `the disk of ${target} full` : `the disk of ${target} filled to ${options.text}`,
    targets: [target],
    durationMs: options.durationMs,
    async apply() {
      const disk = diskOf(env, target);
      const before = usageOf(disk.path);
      const goal = Math.ceil((before.size * options.percent) / 100);
      ballast = join(disk.path, BALLAST);
      startedAt = Date.now();
      const written = fill(ballast, disk.path, goal);
      const after = usageOf(disk.path);
      if (after.used < goal && !(full && after.free < CHUNK))
        throw new Error(
          `the disk fault had no effect: ${disk.path} holds ${formatBytes(after.used)} of ${formatBytes(after.size)}, not ${options.text}`,
        );
      if (store) {
        // Sampled while it holds: the store's own report that its writes fail.
        const sample = () => {
          sampling = aofStatus(env, target).then(
            (status) => {
              if (status === 'err') refusedAt ??= Date.now();
            },
            () => undefined,
          );
        };
        timer = setInterval(sample, SAMPLE_MS);
        timer.unref();
      } else await traffic?.begin();
      return [
        `${target}'s data disk ${disk.path} (a tmpfs of ${formatBytes(before.size)}): ${formatBytes(before.used)} used before, ${formatBytes(after.used)} (${Math.round((100 * after.used) / after.size)}%) with faultline's ballast of ${formatBytes(written)} in ${BALLAST}, ${formatBytes(after.free)} free`,
      ];
    },
    async felt(): Promise<TrafficProof> {
      if (!store) return traffic!.felt();
      clearInterval(timer);
      await sampling;
      if (refusedAt === undefined && (await aofStatus(env, target).catch(() => 'unknown')) === 'err')
        refusedAt = Date.now();
      return refusedAt !== undefined
        ? {
            ok: true,
            evidence: `${target} reported its append-only file's writes failing (INFO persistence: aof_last_write_status:err) ${refusedAt - startedAt} ms after the disk filled`,
          }
        : {
            ok: false,
            evidence: `${target} never failed to write its append-only file while its disk was ${full ? 'full' : `at ${options.text}`}: nothing was written to it (no writes, or room left)`,
          };
    },
    async undo() {
      clearInterval(timer);
      await sampling;
      if (ballast) rmSync(ballast, { force: true });
      ballast = undefined;
      // The store writes again by itself once it has room: the undo is done when it says so.
      if (store && !(await until(async () => (await aofStatus(env, target)) === 'ok', RECOVER_MS, 100)))
        throw new Error(
          `${target}'s disk has room again, but it still reports its append-only file's writes failing after ${RECOVER_MS / 1000} s`,
        );
    },
  };
}
