import { ensureImage } from '../../env/containers/images/build.ts';
import { offlinePrometheus } from '../../env/containers/images/catalog.ts';
import { LABEL, RUN_ID, runLabels } from '../../env/containers/runtime.ts';
import { freePort } from '../../env/ports.ts';
import { prometheusConfig, type ScrapeTarget } from './config.ts';
import { PROMETHEUS_BINARY } from './local.ts';
import type { StartedPrometheus } from './started.ts';

// The containers backend's Prometheus: an image made offline from this machine's /usr/bin/prometheus (or
// FAULTLINE_PROMETHEUS_IMAGE, e.g. prom/prometheus: the same flags), on the host's network. On the host's
// network it scrapes exactly the addresses the harness itself reaches — the services' published ports, the
// fault proxy's API, faultline's own metrics on loopback — so one target list serves both backends, and no
// route from the run's network back to the host is needed. It carries the run's owner labels: the
// environment's teardown sweeps it with the rest, and a dead run's is removed by the next run's sweep.

export async function startContainerPrometheus(
  targets: readonly ScrapeTarget[],
  envId: string | undefined,
): Promise<StartedPrometheus> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const image =
    process.env.FAULTLINE_PROMETHEUS_IMAGE ?? (await ensureImage(offlinePrometheus(PROMETHEUS_BINARY))).name;
  const port = await freePort();
  const name = `faultline-${envId ?? RUN_ID}-prometheus-${port}`;
  const started = await new GenericContainer(image)
    .withName(name)
    .withLabels({ ...runLabels(), ...(envId ? { [LABEL.env]: envId } : {}), [LABEL.service]: 'prometheus' })
    .withNetworkMode('host')
    .withCopyContentToContainer([
      { content: prometheusConfig(targets), target: '/etc/prometheus/prometheus.yml' },
    ])
    .withCommand([
      '--config.file=/etc/prometheus/prometheus.yml',
      '--storage.tsdb.path=/prometheus',
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
    ])
    .withWaitStrategy(
      Wait.forLogMessage(/Server is ready to receive web requests/).withStartupTimeout(60_000),
    )
    .start();
  const lines: string[] = [];
  const stream = await started.logs();
  stream.on('data', (chunk: Buffer | string) => lines.push(...String(chunk).split('\n').filter(Boolean)));
  stream.on('error', () => undefined);
  let stopped: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    where: `container ${name} (image ${image}, host network)`,
    logs: () => lines,
    stop() {
      stopped ??= (async () => {
        stream.destroy();
        await started.stop({ remove: true, removeVolumes: true, timeout: 2_000 }).catch(() => undefined);
      })();
      return stopped;
    },
  };
}
