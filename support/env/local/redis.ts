import { makeTempDir } from '../../cleanup/tmp.ts';
import { freePort } from '../ports.ts';
import { redisServerBinary } from './binaries.ts';
import { LocalProcess } from './process.ts';
import { type RunningService, withPortRetry } from './service.ts';

export function startRedis(opts: { name?: string; tmpRoot?: string } = {}): Promise<RunningService> {
  const name = opts.name ?? 'redis';
  return withPortRetry(async () => {
    const dir = await makeTempDir(name, opts.tmpRoot);
    const port = await freePort();
    const proc = new LocalProcess({
      name,
      command: redisServerBinary(),
      // No persistence: every scenario starts from an empty store and nothing is left on disk.
      args: [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir.path,
      ],
      ready: (line) => /Ready to accept connections/.test(line) || undefined,
    });
    try {
      await proc.start();
    } catch (error) {
      await dir.remove();
      throw error;
    }
    return {
      name,
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      process: proc,
      async stop() {
        await proc.stop();
        await dir.remove();
      },
    };
  });
}
