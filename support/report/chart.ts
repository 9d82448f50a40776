import type { FaultRecord } from '../faults/ledger.ts';
import { latencyOf, type Operation } from '../load/history.ts';

// The Jepsen-style picture of a scenario: every operation's latency when it completed (coloured by outcome)
// above the completions per second, both over seconds since the scenario started, with each fault's window
// — from the ledger's start to its undo — shaded behind them. Rendered to SVG by vega-lite + vega in Node:
// no browser, no canvas, no native module.

export interface ChartInput {
  operations: readonly Operation[];
  faults: readonly FaultRecord[];
  /** Epoch ms the time axis counts from (the scenario's start). */
  origin: number;
  /** Epoch ms of the right edge when nothing later is known (a fault still active stretches to it). */
  end: number;
  title: string;
}

const OUTCOME_COLOURS = { domain: ['ok', 'fail', 'unknown'], range: ['#2e7d32', '#c62828', '#ef6c00'] };

/** Completions per bucket: one-second buckets, finer for runs shorter than ten seconds. */
function throughput(operations: readonly Operation[], origin: number, fromS: number, spanS: number) {
  const bucketS = spanS - fromS < 10 ? 0.5 : 1;
  const counts = new Map<number, { ok: number; other: number }>();
  for (const op of operations) {
    const bucket = Math.floor((op.completedAt - origin) / 1000 / bucketS) * bucketS;
    const c = counts.get(bucket) ?? { ok: 0, other: 0 };
    if (op.outcome === 'ok') c.ok += 1;
    else c.other += 1;
    counts.set(bucket, c);
  }
  const rows: { t: number; rate: number; series: string }[] = [];
  const last = Math.max(fromS, ...counts.keys());
  // Drawn as steps from each bucket's start; the last bucket also gets its end, so it has a width.
  const step = (t: number, c: { ok: number; other: number }) => {
    rows.push({ t, rate: c.ok / bucketS, series: 'ok per second' });
    rows.push({ t, rate: c.other / bucketS, series: 'failed or unknown per second' });
  };
  for (let t = Math.floor(fromS / bucketS) * bucketS; t <= last; t += bucketS)
    step(t, counts.get(t) ?? { ok: 0, other: 0 });
  step(last + bucketS, counts.get(last) ?? { ok: 0, other: 0 });
  return rows;
}

export function chartSpec(input: ChartInput): Record<string, unknown> {
  const { operations, faults, origin } = input;
  const s = (at: number) => Math.round(at - origin) / 1000;
  const lastCompletion = Math.max(input.end, ...operations.map((o) => o.completedAt));
  const spanS = Math.max(1, s(lastCompletion));
  // The topology takes seconds to come up: the picture starts just before the first operation or fault.
  const firstEvent = Math.min(
    lastCompletion,
    ...operations.map((o) => o.intendedAt ?? o.invokedAt),
    ...faults.flatMap((f) => (f.startedAt === undefined ? [] : [f.startedAt])),
  );
  const startS = Math.max(0, Math.floor(s(firstEvent) - 0.5));
  const domain = [startS, Math.max(spanS, startS + 1)];
  const windows = faults
    .filter((f) => f.startedAt !== undefined)
    .map((f) => ({
      from: s(f.startedAt as number),
      to: s(f.stoppedAt ?? lastCompletion),
      fault: `#${f.id} ${f.description}`,
    }))
    // Faults that begin together (a partition of three workers) would print their labels on top of each
    // other: each gets its own line, in pixels from the top of the panel.
    .map((w, i) => ({ ...w, labelY: 2 + 12 * i }));
  const points = operations.map((o) => ({
    t: s(o.completedAt),
    latency: latencyOf(o),
    outcome: o.outcome,
    id: o.id,
  }));
  const x = {
    field: 't',
    type: 'quantitative',
    title: 'seconds since the scenario started',
    scale: { domain, nice: false },
  };
  const shade = {
    data: { values: windows },
    mark: { type: 'rect', color: '#b39ddb', opacity: 0.35 },
    encoding: {
      x: { field: 'from', type: 'quantitative', scale: { domain, nice: false }, title: null },
      x2: { field: 'to' },
      tooltip: { field: 'fault' },
    },
  };
  const label = {
    data: { values: windows },
    mark: { type: 'text', align: 'left', baseline: 'top', dx: 3, fontSize: 10, color: '#4527a0' },
    encoding: {
      x: { field: 'from', type: 'quantitative' },
      y: { field: 'labelY', type: 'quantitative', scale: null },
      text: { field: 'fault' },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    background: 'white',
    vconcat: [
      {
        width: 720,
        height: 200,
        title: 'latency per operation (at completion)',
        layer: [
          shade,
          label,
          {
            data: { values: points },
            mark: { type: 'point', filled: true, size: 18 },
            encoding: {
              x,
              y: { field: 'latency', type: 'quantitative', title: 'latency (ms)' },
              color: { field: 'outcome', type: 'nominal', scale: OUTCOME_COLOURS, title: 'outcome' },
            },
          },
        ],
      },
      {
        width: 720,
        height: 120,
        title: 'throughput (completions per second)',
        layer: [
          shade,
          {
            data: { values: throughput(operations, origin, startS, spanS) },
            mark: { type: 'line', interpolate: 'step-after', clip: true },
            encoding: {
              x,
              y: { field: 'rate', type: 'quantitative', title: 'per second' },
              color: {
                field: 'series',
                type: 'nominal',
                scale: {
                  domain: ['ok per second', 'failed or unknown per second'],
                  range: ['#1565c0', '#c62828'],
                },
                title: null,
              },
            },
          },
        ],
      },
    ],
    resolve: { scale: { color: 'independent', x: 'shared' } },
    config: { legend: { orient: 'right' } },
  };
}

/** The chart as a standalone SVG document. */
export async function renderChart(input: ChartInput): Promise<string> {
  return renderSpec(chartSpec(input));
}

/**
 * A Vega-Lite spec drawn as a standalone SVG document. vega is loaded on first use: runs that draw nothing
 * never pay for it.
 */
export async function renderSpec(spec: object): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
