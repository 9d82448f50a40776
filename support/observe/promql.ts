import { unknownVerdict, type Verdict } from '../checks/verdict.ts';
import { StepInputError } from '../parse.ts';
import { poll } from '../poll.ts';
import { type PrometheusClient, type Series, seriesName } from './prometheus/client.ts';

// PromQL verdicts: a query's answer compared with a bound. Every series the query returns must meet it at
// every sample (write sum(…) to judge one figure). No series, or only NaN samples (a rate over nothing), is
// not evidence: the verdict is UNKNOWN and says so — an unknown metric must never pass.

export type Comparison = 'below' | 'above' | 'at most' | 'at least';

/** A step's PromQL: one double-quoted string, in which \" stands for a quote. */
const QUERY = '"((?:[^"\\\\]|\\\\.)*)"';

/** The step patterns, shared by steps/promql.steps.ts and support/plan/meanings/promql.ts. */
export const PROMQL_STEPS = {
  steady: `^the PromQL ${QUERY} is (below|above|at most|at least) (\\S+)$`,
  stays: `^the PromQL ${QUERY} stays (below|above|at most|at least) (\\S+)(?: (.+?))?$`,
  reaches: `^the PromQL ${QUERY} (reaches|falls to) (\\S+) within (.+)$`,
  abort: `^abort (?:when|if) the PromQL ${QUERY} exceeds (\\S+)$`,
} as const;

const COMPARISONS: Record<string, Comparison> = {
  below: 'below',
  under: 'below',
  above: 'above',
  over: 'above',
  'at most': 'at most',
  'at least': 'at least',
};

export function parseComparison(words: string): Comparison {
  const found = COMPARISONS[words.trim().toLowerCase()];
  if (!found)
    throw new StepInputError(
      `'${words}' is not a comparison: write below, above, at most or at least (e.g. "stays below 0.01")`,
    );
  return found;
}

/** A bound as PromQL would compare it: 0.01, 250, 1e-3 (not a percentage: a ratio is 0.05, not 5%). */
export function parseBound(text: string): number {
  const n = Number(text);
  if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i.test(text.trim()) || !Number.isFinite(n))
    throw new StepInputError(
      `'${text}' is not a number to compare a PromQL answer with: write e.g. 0.01, 250 or 1e-3 (a ratio as 0.05, not 5%)`,
    );
  return n;
}

/** The PromQL of a step: one double-quoted string, in which \" stands for a quote (as in the Gherkin). */
export function parseQuery(text: string): string {
  const query = text.replace(/\\"/g, '"').trim();
  if (query === '') throw new StepInputError('the PromQL is empty: write a query between the quotes');
  return query;
}

export const holds = (value: number, comparison: Comparison, bound: number): boolean =>
  comparison === 'below'
    ? value < bound
    : comparison === 'above'
      ? value > bound
      : comparison === 'at most'
        ? value <= bound
        : value >= bound;

/** The sample that decides the verdict: the highest for an upper bound, the lowest for a lower one. */
function worst(series: readonly Series[], comparison: Comparison) {
  const upper = comparison === 'below' || comparison === 'at most';
  let found: { value: number; at: number; series: Series } | undefined;
  let samples = 0;
  for (const s of series)
    for (const [at, value] of s.values) {
      if (Number.isNaN(value)) continue;
      samples += 1;
      if (!found || (upper ? value > found.value : value < found.value)) found = { value, at, series: s };
    }
  return { found, samples };
}

export interface PromqlJudgement {
  query: string;
  comparison: Comparison;
  bound: number;
  /** "under fault", "at the steady state" …: what the verdict's words say about when. */
  when: string;
  /** Epoch ms the time axis of the figures counts from. */
  origin: number;
}

const round = (n: number) => Number(n.toPrecision(6));

/** Judges every sample of every series the query returned against the bound. */
export function judgeSeries(series: readonly Series[], j: PromqlJudgement): Verdict {
  const check = `PromQL ${j.comparison} ${j.bound} ${j.when}`;
  const names = series.map(seriesName);
  const base = { query: j.query, bound: j.bound, comparison: j.comparison, series: names };
  if (series.length === 0)
    return unknownVerdict(
      check,
      `no series matched "${j.query}" ${j.when}: the metric is unknown to Prometheus or had no samples then, so nothing was judged`,
      { ...base, samples: 0 },
    );
  const { found, samples } = worst(series, j.comparison);
  if (!found)
    return unknownVerdict(
      check,
      `"${j.query}" returned ${series.length} series ${j.when} but no number (only NaN: a ratio over no traffic?), so nothing was judged`,
      { ...base, samples: 0 },
    );
  const pass = holds(found.value, j.comparison, j.bound);
  const atS = round(found.at - j.origin / 1000);
  const figures = {
    ...base,
    samples,
    worst: round(found.value),
    worstSeries: seriesName(found.series),
    worstAtS: atS,
  };
  const over = `${samples} sample(s) of ${series.length} series`;
  return {
    check,
    pass,
    message: pass
      ? samples === 1
        ? `"${j.query}" was ${round(found.value)} ${j.when}: ${j.comparison} ${j.bound}`
        : `"${j.query}" stayed ${j.comparison} ${j.bound} ${j.when}: its ${j.comparison === 'below' || j.comparison === 'at most' ? 'highest' : 'lowest'} value was ${round(found.value)} (${over})`
      : `"${j.query}" was ${round(found.value)} at ${atS} s (${seriesName(found.series)}) ${j.when}, not ${j.comparison} ${j.bound} (${over})`,
    figures,
  };
}

/** The query's answer now, waiting (up to `timeoutMs`) only until it has a number — never until it passes. */
export async function firstAnswer(
  client: PrometheusClient,
  query: string,
  timeoutMs: number,
  everyMs = 500,
): Promise<Series[]> {
  const numeric = (series: Series[]) => series.some((s) => s.values.some(([, v]) => !Number.isNaN(v)));
  return (await poll(() => client.query(query), numeric, { timeoutMs, everyMs })).value;
}

export interface Reach {
  /** Every reading taken while waiting, in order (what the chart draws). */
  readings: { at: number; series: Series[] }[];
  /** When every series first met the bound (epoch ms), if it did within the time. */
  reachedAt?: number;
}

/** Reads the query every `everyMs` until every series meets the bound or `withinMs` has passed. */
export async function awaitReach(
  client: PrometheusClient,
  query: string,
  comparison: Comparison,
  bound: number,
  withinMs: number,
  everyMs = 500,
): Promise<Reach> {
  const readings: Reach['readings'] = [];
  const read = async () => {
    const at = Date.now();
    const reading = { at, series: await client.query(query, at) };
    readings.push(reading);
    return reading;
  };
  const reached = ({ series }: Reach['readings'][number]) => {
    const values = series.flatMap((s) => s.values.map(([, v]) => v)).filter((v) => !Number.isNaN(v));
    return values.length > 0 && values.every((v) => holds(v, comparison, bound));
  };
  // The last reading is taken at the window's end, not up to `everyMs` after it.
  const { held, value } = await poll(read, reached, { timeoutMs: withinMs, everyMs, toDeadline: true });
  return held ? { readings, reachedAt: value.at } : { readings };
}

/** The verdict of "… reaches <bound> within <duration>": when it got there, or where it stood at the end. */
export function reachVerdict(
  reach: Reach,
  j: PromqlJudgement & { since: number; withinMs: number },
): Verdict {
  const check = `PromQL reaches ${j.comparison} ${j.bound} within ${j.withinMs / 1000} s`;
  const all = reach.readings.flatMap((r) => r.series);
  const names = [...new Set(all.map(seriesName))];
  const base = {
    query: j.query,
    bound: j.bound,
    comparison: j.comparison,
    series: names,
    readings: reach.readings.length,
  };
  if (reach.reachedAt !== undefined) {
    const afterS = round((reach.reachedAt - j.since) / 1000);
    const last = reach.readings.at(-1)!.series.flatMap((s) => s.values.map(([, v]) => round(v)));
    return {
      check,
      pass: true,
      message: `"${j.query}" reached ${j.comparison} ${j.bound} after ${afterS} s (value ${last.join(', ')})`,
      figures: { ...base, reachedAfterS: afterS, value: last.join(', ') },
    };
  }
  if (all.every((s) => s.values.every(([, v]) => Number.isNaN(v))))
    return unknownVerdict(
      check,
      `no series matched "${j.query}" (or only NaN) in ${j.withinMs / 1000} s: the metric is unknown to Prometheus, so nothing was judged`,
      { ...base },
    );
  const last = reach.readings.at(-1)!.series.flatMap((s) => s.values.map(([, v]) => round(v)));
  return {
    check,
    pass: false,
    message: `"${j.query}" did not reach ${j.comparison} ${j.bound} within ${j.withinMs / 1000} s: its last value was ${last.join(', ') || 'none'}`,
    figures: { ...base, last: last.join(', ') },
  };
}
