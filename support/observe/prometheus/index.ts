import type { Environment } from '../../env/environment.ts';
import { poll } from '../../poll.ts';
import { isDeclared } from '../../system/topology.ts';
import { type RunMetricsServer, serveRunMetrics } from '../run-metrics-server.ts';
import { PrometheusClient, type TargetState } from './client.ts';
import type { ScrapeTarget } from './config.ts';
import { startContainerPrometheus } from './container.ts';
import { startLocalPrometheus } from './local.ts';
import type { StartedPrometheus } from './started.ts';

// The run's Prometheus for one environment: what it scrapes (every service that declares metrics, the fault
// proxy, faultline's own load generator), started on the environment's backend, and judged ready only once
// every target has been scraped successfully — a steady state declared before that would read no series.

export const TARGETS_UP_TIMEOUT_MS = 30_000;

export interface Prometheus {
  readonly client: PrometheusClient;
  readonly started: StartedPrometheus;
  readonly targets: readonly ScrapeTarget[];
  /** From asking for it until every target was up: the cost a PromQL scenario pays. */
  readonly startMs: number;
  /** Epoch ms when every target was up: the earliest a window can be judged from. */
  readonly readyAt: number;
  stop(): Promise<void>;
}

/** host:port of an http URL. */
const addressOf = (url: string): string => new URL(url).host;

async function servesMetrics(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** What the environment's Prometheus scrapes, as the harness reaches each (the address both backends use). */
export async function targetsOf(env: Environment, faultline: string): Promise<ScrapeTarget[]> {
  const targets: ScrapeTarget[] = [];
  for (const s of env.topology.services)
    if (isDeclared(s) && s.metrics) {
      const at = env.endpoint(s.name, s.metrics.port);
      targets.push({ job: s.name, address: `${at.host}:${at.port}`, path: s.metrics.path });
    }
  // An external or Shopify's proxy may not serve /metrics: it is left out rather than reported down forever.
  if (!env.withoutLinks && (await servesMetrics(env.toxiproxy.url)))
    targets.push({ job: 'fault-proxy', address: addressOf(env.toxiproxy.url) });
  targets.push({ job: 'faultline', address: faultline });
  return targets;
}

function start(env: Environment, targets: ScrapeTarget[]): Promise<StartedPrometheus> {
  if (env.backend === 'local') return startLocalPrometheus(targets);
  if (env.backend === 'containers') return startContainerPrometheus(targets, env.id);
  throw new Error(
    `the PromQL steps start a Prometheus on the local and containers backends; the ${env.backend} backend has none (point the steps at a cluster's Prometheus is not supported yet)`,
  );
}

/** Polls /api/v1/targets until every target's last scrape succeeded; names the ones that did not. */
export async function awaitTargetsUp(
  client: PrometheusClient,
  expected: number,
  timeoutMs = TARGETS_UP_TIMEOUT_MS,
): Promise<TargetState[]> {
  // A Prometheus not answering yet keeps the last answer it gave.
  let last: TargetState[] = [];
  const { held, value: targets } = await poll(
    async () => (last = await client.targets().catch(() => last)),
    (answer) => answer.length >= expected && answer.every((t) => t.health === 'up'),
    { timeoutMs, everyMs: 250 },
  );
  if (held) return targets;
  const down = targets.filter((t) => t.health !== 'up');
  throw new Error(
    `Prometheus did not scrape every target within ${timeoutMs} ms: ${
      targets.length < expected
        ? `${targets.length} of ${expected} targets discovered`
        : down
            .map((t) => `${t.job} at ${t.url}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`)
            .join('; ')
    }`,
  );
}

export async function startPrometheus(env: Environment): Promise<Prometheus> {
  const t0 = performance.now();
  const server: RunMetricsServer = await serveRunMetrics();
  let started: StartedPrometheus | undefined;
  try {
    const targets = await targetsOf(env, server.address);
    started = await start(env, targets);
    const client = new PrometheusClient(started.url);
    await awaitTargetsUp(client, targets.length);
    const running = started;
    let stopping: Promise<void> | undefined;
    return {
      client,
      started: running,
      targets,
      startMs: Math.round(performance.now() - t0),
      readyAt: Date.now(),
      stop() {
        stopping ??= Promise.allSettled([running.stop(), server.close()]).then(() => undefined);
        return stopping;
      },
    };
  } catch (error) {
    await Promise.allSettled([started?.stop(), server.close()]);
    throw error;
  }
}
