import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '../../cleanup/tmp.ts';
import { LocalProcess } from '../../env/local/process.ts';
import { freePort } from '../../env/ports.ts';
import { prometheusConfig, type ScrapeTarget } from './config.ts';
import type { StartedPrometheus } from './started.ts';

// The local backend's Prometheus: Debian's /usr/bin/prometheus as a child process with a temp dir of its own
// (config and TSDB), on loopback. LocalProcess gives it the same guards as every service: it dies with the
// runner (parent-death signal) and an interrupt's sweep stops it; the temp dir carries the owner's pid, so
// the start-of-run sweep removes a dead run's.

export const PROMETHEUS_BINARY = process.env.FAULTLINE_PROMETHEUS_BINARY ?? '/usr/bin/prometheus';
const READY = /Server is ready to receive web requests/;

export async function startLocalPrometheus(targets: readonly ScrapeTarget[]): Promise<StartedPrometheus> {
  if (!existsSync(PROMETHEUS_BINARY))
    throw new Error(
      `the PromQL steps need Prometheus: ${PROMETHEUS_BINARY} is not installed (Debian/Ubuntu: apt-get install -y prometheus, or npm run setup; FAULTLINE_PROMETHEUS_BINARY names another binary)`,
    );
  const dir = await makeTempDir('prometheus');
  try {
    const config = join(dir.path, 'prometheus.yml');
    await writeFile(config, prometheusConfig(targets));
    const port = await freePort();
    const proc = new LocalProcess({
      name: 'prometheus',
      command: PROMETHEUS_BINARY,
      args: [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir.path, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Nothing outlives the scenario: no need to keep blocks for the default 15 days.
        '--storage.tsdb.retention.time=1h',
      ],
      cwd: dir.path,
      ready: (line) => READY.test(line),
      readyTimeoutMs: 30_000,
    });
    await proc.start();
    return {
      url: `http://127.0.0.1:${port}`,
      where: `local process (pid ${proc.pid})`,
      logs: () => proc.logs.map((l) => l.line),
      async stop() {
        try {
          await proc.stop(3_000);
        } finally {
          await dir.remove();
        }
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}
