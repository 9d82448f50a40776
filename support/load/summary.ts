import type { LoadRun } from './generator.ts';
import { latencyOf } from './history.ts';
import { percentiles } from './percentile.ts';

/** One paragraph a report reader can check a load step against: what was offered, what came back. */
export function describeRun(run: LoadRun): string {
  const counts = { ok: 0, fail: 0, unknown: 0 };
  for (const op of run.operations) counts[op.outcome] += 1;
  const seconds = (run.endedAt - run.startedAt) / 1000;
  const [p50, p95, p99] = percentiles(run.operations.map(latencyOf), [50, 95, 99]);
  const f = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? 'n/a' : `${v.toFixed(1)} ms`);
  return [
    `${run.loop}-loop load of ${run.kind}: ${run.operations.length} operations in ${seconds.toFixed(2)} s (stopped by ${run.stoppedBy})`,
    `sent ${run.sent}${run.loop === 'open' ? `, never sent ${run.notSent}` : ''}; ${counts.ok} ok, ${counts.fail} failed, ${counts.unknown} unknown`,
    `latency p50 ${f(p50)}, p95 ${f(p95)}, p99 ${f(p99)}`,
  ].join('\n');
}
