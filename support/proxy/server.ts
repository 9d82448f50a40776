// faultline's embedded fault proxy: a server that speaks Shopify Toxiproxy's HTTP API (2.12) and runs every
// toxic itself, so the same clients and steps work against it or a real Toxiproxy. See README.md.

import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { type Logger, pino } from 'pino';
import { formatHostPort } from './address.ts';
import { createApi } from './api.ts';
import { ProxyCollection } from './collection.ts';
import { parseFirstValue } from './decode.ts';
import type { ProxyMetrics } from './metrics.ts';
import { freshSeed } from './random.ts';

export interface ProxyServerOptions {
  /** API address; default 127.0.0.1 (upstream's default is localhost). */
  host?: string;
  /** API port; 0 picks a free one. Default 8474. */
  port?: number;
  /** Seed for every random draw of every toxic; a fresh one (logged) when absent. */
  seed?: number;
  /** Serve Prometheus metrics on /metrics (upstream: -proxy-metrics / -runtime-metrics). */
  metrics?: boolean;
  /** A JSON file in /populate format, applied once at start-up (errors are logged, as upstream does). */
  config?: string;
  logger?: Logger;
  /** How long to wait for an upstream connect before closing the client. Default 10 s. */
  dialTimeoutMs?: number;
}

export interface RunningProxyServer {
  url: string;
  host: string;
  port: number;
  /** The seed in use (the given one, or the fresh one). */
  seed: number;
  close(): Promise<void>;
}

export async function startProxyServer(options: ProxyServerOptions = {}): Promise<RunningProxyServer> {
  const logger = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'silent' });
  const seed = options.seed ?? freshSeed();
  // prom-client is only loaded when metrics are asked for: it is most of the start-up time otherwise.
  const metrics: ProxyMetrics | undefined = options.metrics
    ? new (await import('./metrics.ts')).ProxyMetrics()
    : undefined;
  const collection = new ProxyCollection({
    seed,
    logger,
    metrics,
    dialTimeoutMs: options.dialTimeoutMs ?? 10_000,
  });
  if (options.config !== undefined) await applyConfig(collection, options.config, logger);

  const handle = createApi(collection, metrics, logger);
  const http: Server = createServer(
    { keepAliveTimeout: 60_000, requestTimeout: 30_000 },
    (request, response) => {
      handle(request, response).catch((error: unknown) => {
        logger.error({ err: error }, 'API request failed');
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
    },
  );
  const apiSockets = new Set<Socket>();
  http.on('connection', (socket: Socket) => {
    apiSockets.add(socket);
    socket.once('close', () => apiSockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen({ host, port: options.port ?? 8474 }, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${formatHostPort(host, port)}`,
    host,
    port,
    seed,
    close() {
      closing ??= new Promise<void>((resolve) => {
        collection.closeAll();
        http.close(() => resolve());
        for (const socket of apiSockets) socket.destroy();
      });
      return closing;
    },
  };
}

async function applyConfig(collection: ProxyCollection, file: string, logger: Logger): Promise<void> {
  try {
    const body = parseFirstValue(await readFile(file, 'utf8'));
    const { proxies, error } = await collection.exclusive(() => collection.populate(body));
    if (error) logger.error({ config: file, err: error.message }, 'config: populate failed part-way');
    logger.info({ config: file, proxies: proxies.map((p) => p.name) }, 'config: populated proxies');
  } catch (error) {
    logger.error({ config: file, err: (error as Error).message }, 'config: could not be applied');
  }
}
