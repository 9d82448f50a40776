import type { FaultRecord } from '../faults/ledger.ts';
import { renderSpec } from '../report/chart.ts';
import { type Series, seriesName } from './prometheus/client.ts';

// The picture a PromQL verdict attaches: every series the query returned over seconds since the scenario
// started, the bound as a dashed line, each fault's window shaded (as in support/report/chart.ts), so a
// reader sees where the figure crossed the line and what was being done to the system then.

export interface PromqlChartInput {
  query: string;
  series: readonly Series[];
  bound: number;
  faults: readonly FaultRecord[];
  /** Epoch ms the time axis counts from. */
  origin: number;
  title: string;
}

export function promqlChartSpec(input: PromqlChartInput): Record<string, unknown> {
  const s = (ms: number) => Math.round(ms - input.origin) / 1000;
  const points = input.series.flatMap((series) =>
    series.values
      .filter(([, v]) => Number.isFinite(v))
      .map(([at, value]) => ({ t: s(at * 1000), value, series: seriesName(series) })),
  );
  const end = Math.max(0, ...points.map((p) => p.t));
  const windows = input.faults
    .filter((f) => f.startedAt !== undefined)
    .map((f) => ({
      from: s(f.startedAt as number),
      to: s(f.stoppedAt ?? input.origin + end * 1000),
      fault: `#${f.id} ${f.description}`,
    }));
  const x = { field: 't', type: 'quantitative', title: 'seconds since the scenario started' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: input.title, subtitle: input.query },
    background: 'white',
    width: 720,
    height: 220,
    layer: [
      {
        data: { values: windows },
        mark: { type: 'rect', color: '#b39ddb', opacity: 0.35 },
        encoding: {
          x: { field: 'from', type: 'quantitative' },
          x2: { field: 'to' },
          tooltip: { field: 'fault' },
        },
      },
      {
        data: { values: points },
        mark: { type: 'line', point: true, interpolate: 'linear' },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: 'value' },
          color: { field: 'series', type: 'nominal', title: 'series' },
        },
      },
      {
        data: { values: [{ bound: input.bound }] },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#c62828' },
        encoding: { y: { field: 'bound', type: 'quantitative' } },
      },
    ],
    config: { legend: { orient: 'bottom', labelLimit: 600 } },
  };
}

/** The chart as an SVG document. */
export async function renderPromqlChart(input: PromqlChartInput): Promise<string> {
  return renderSpec(promqlChartSpec(input));
}
