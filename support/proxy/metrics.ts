// Prometheus metrics with Toxiproxy's names and labels, so existing dashboards work unchanged. Like upstream,
// a link's byte counts are added once, when the link finishes, not while it streams (the live figures are
// GET /proxies/{proxy}/traffic). One extension, counted as it happens: connections accepted per proxy.

import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { LinkTotals } from './connection.ts';

const labelNames = ['direction', 'listener', 'proxy', 'upstream'] as const;

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #received: Counter<(typeof labelNames)[number]>;
  readonly #sent: Counter<(typeof labelNames)[number]>;
  readonly #accepted: Counter<'listener' | 'proxy' | 'upstream'>;

  constructor() {
    this.#received = new Counter({
      name: 'toxiproxy_proxy_received_bytes_total',
      help: 'The total bytes received from the source of a link',
      labelNames,
      registers: [this.registry],
    });
    this.#sent = new Counter({
      name: 'toxiproxy_proxy_sent_bytes_total',
      help: 'The total bytes sent to the destination of a link',
      labelNames,
      registers: [this.registry],
    });
    this.#accepted = new Counter({
      name: 'faultline_proxy_connections_accepted_total',
      help: 'The total client connections a proxy accepted (a faultline extension, counted at accept)',
      labelNames: ['listener', 'proxy', 'upstream'],
      registers: [this.registry],
    });
    // The Node runtime's own metrics play the part of upstream's Go runtime metrics.
    collectDefaultMetrics({ register: this.registry });
  }

  accepted(proxy: { name: string; listener: string; upstream: string }): void {
    this.#accepted.inc({ listener: proxy.listener, proxy: proxy.name, upstream: proxy.upstream });
  }

  record(proxy: { name: string; listener: string; upstream: string }, totals: readonly LinkTotals[]): void {
    for (const link of totals) {
      const labels = {
        direction: link.direction,
        listener: proxy.listener,
        proxy: proxy.name,
        upstream: proxy.upstream,
      };
      this.#received.inc(labels, link.received);
      this.#sent.inc(labels, link.sent);
    }
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
