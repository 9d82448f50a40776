// The run's Prometheus configuration: one scrape job per target, every second. A second, not Prometheus's
// default minute: a scenario lasts tens of seconds, and a verdict "under fault" over a 5-second fault needs
// several samples of it. JSON is valid YAML, so the file is written with JSON.stringify: no YAML library,
// and no quoting mistakes in a path or a label.

export const SCRAPE_INTERVAL_S = 1;

/** One endpoint the run's Prometheus scrapes. */
export interface ScrapeTarget {
  /** The job label: a service's name, `fault-proxy` or `faultline`. */
  job: string;
  /** host:port as Prometheus reaches it. */
  address: string;
  /** Default /metrics. */
  path?: string;
}

export function prometheusConfig(targets: readonly ScrapeTarget[]): string {
  const config = {
    global: {
      scrape_interval: `${SCRAPE_INTERVAL_S}s`,
      // Under a fault a service may answer slowly: a scrape may take up to the interval.
      scrape_timeout: `${SCRAPE_INTERVAL_S}s`,
      evaluation_interval: `${SCRAPE_INTERVAL_S}s`,
    },
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      metrics_path: t.path ?? '/metrics',
      static_configs: [{ targets: [t.address] }],
    })),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
