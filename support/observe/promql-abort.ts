import type { Breach } from '../load/abort.ts';
import type { AbortWatch } from '../load/abort-watch.ts';
import { type PrometheusClient, seriesName } from './prometheus/client.ts';

// "abort when the PromQL … exceeds 0.05": a ChaosCausedOutage-style alert as the experiment's brake. Polled
// from Prometheus (asynchronously: a query takes milliseconds to tens of them, too long for the history
// watch's synchronous tick) and handed to the same watch, so the brake acts the same: load stopped, faults
// rolled back, the running step fails "ABORTED: …" with the figure. A query that answers no series yet is
// not a breach (nothing is known to exceed), nor is a failed poll: an outage of Prometheus is not one of the
// system.

export const POLL_EVERY_MS = 500;

export function watchPromql(
  watch: AbortWatch,
  client: PrometheusClient,
  query: string,
  above: number,
  everyMs = POLL_EVERY_MS,
): void {
  const condition = { kind: 'promql', query, above } as const;
  let polls = 0;
  let busy = false;
  const poll = async () => {
    if (busy || watch.closed) return;
    busy = true;
    try {
      const at = Date.now();
      const series = await client.query(query, at).catch(() => []);
      polls += 1;
      for (const s of series)
        for (const [, value] of s.values)
          if (value > above && !watch.closed) {
            const breach: Breach = {
              condition,
              figure: value,
              window: series.length,
              total: polls,
              at,
              message: `the PromQL "${query}" was ${Number(value.toPrecision(6))} (${seriesName(s)}), above the ${above} abort threshold (poll ${polls}, every ${everyMs} ms)`,
            };
            watch.trip(breach);
            return;
          }
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), everyMs);
  // The brake must never keep a finished run alive.
  timer.unref();
  watch.whenClosed(() => clearInterval(timer));
}
