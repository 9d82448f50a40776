import { makeTempDir } from '../../cleanup/tmp.ts';
import { makeDisk } from '../disk.ts';
import { freePort } from '../ports.ts';
import { redisServerBinary } from './binaries.ts';
import { LocalProcess } from './process.ts';
import { type RunningService, withPortRetry } from './service.ts';

/**
 * Redis on a free port. Without a disk it keeps nothing (every scenario starts from an empty store, nothing
 * is left on disk); with `disk` (bytes) it keeps an append-only file, fsynced every second, on a data disk of
 * that size, which a disk fault fills.
 */
export function startRedis(
  opts: { name?: string; tmpRoot?: string; disk?: number } = {},
): Promise<RunningService> {
  const name = opts.name ?? 'redis';
  return withPortRetry(async () => {
    const dir = await makeTempDir(name, opts.tmpRoot);
    const disk =
      opts.disk !== undefined
        ? await makeDisk(name, opts.disk).catch(async (error) => {
            await dir.remove();
            throw error;
          })
        : undefined;
    const removeAll = async () => {
      await disk?.remove();
      await dir.remove();
    };
    const port = await freePort();
    const proc = new LocalProcess({
      name,
      command: redisServerBinary(),
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        ...persistence(disk?.path ?? dir.path, disk !== undefined),
      ],
      ready: (line) => /Ready to accept connections/.test(line) || undefined,
    });
    try {
      await proc.start();
    } catch (error) {
      await removeAll();
      throw error;
    }
    return {
      name,
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      process: proc,
      ...(disk ? { disk } : {}),
      async stop() {
        await proc.stop();
        await removeAll();
      },
    };
  });
}

/**
 * Redis's persistence arguments, the same on both backends: none, or an append-only file fsynced every
 * second in `dir`. Not `appendfsync always`: Redis exits on an AOF write error under it, where under
 * everysec it refuses writes (MISCONF) until the disk has room again, then goes on by itself.
 */
export function persistence(dir: string, aof: boolean): string[] {
  return ['--appendonly', aof ? 'yes' : 'no', ...(aof ? ['--appendfsync', 'everysec'] : []), '--dir', dir];
}
