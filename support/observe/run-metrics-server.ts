import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runMetrics } from './run-metrics.ts';

// Serves faultline's own metrics (runMetrics: the load generator's operations, the chaos_* figures) at
// GET /metrics for the run's Prometheus. Started with that Prometheus and stopped with it. On loopback: the
// local Prometheus is a process here and the containers backend's runs on the host's network.

export interface RunMetricsServer {
  /** host:port as Prometheus reaches it. */
  address: string;
  close(): Promise<void>;
}

export async function serveRunMetrics(host = '127.0.0.1'): Promise<RunMetricsServer> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('faultline serves GET /metrics only\n');
      return;
    }
    runMetrics.metrics().then(
      (body) => res.writeHead(200, { 'content-type': runMetrics.contentType }).end(body),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  // A scrape must never keep a finished run alive.
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    address: `${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
