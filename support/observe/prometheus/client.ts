// A small client of Prometheus's HTTP API (/api/v1/query, /query_range, /targets): what PromQL verdicts,
// steady-state checks and the abort brake ask. A query Prometheus refuses throws PromqlError carrying
// Prometheus's own words ("1:18: parse error: unclosed left parenthesis"): its parser knows best what is
// wrong with a query, and rewording it would only lose the column.

/** One series of an answer: its labels and its samples as [epoch seconds, value]. */
export interface Series {
  metric: Record<string, string>;
  values: [number, number][];
}

export class PromqlError extends Error {
  readonly query: string;
  /** Prometheus's errorType (bad_data, execution, timeout …). */
  readonly type: string;
  constructor(query: string, type: string, detail: string) {
    super(`Prometheus refused the PromQL "${query}" (${type}): ${detail}`);
    this.query = query;
    this.type = type;
    // The query and Prometheus's words are the news, not where in our client they arrived: cucumber shows
    // the step's file:line beside the message.
    this.stack = this.message;
  }
}

interface Answer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

type Sample = [number, string];
interface VectorData {
  resultType: 'vector' | 'scalar' | 'matrix' | 'string';
  result: { metric: Record<string, string>; value?: Sample; values?: Sample[] }[] | Sample;
}

export interface TargetState {
  job: string;
  url: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** Prometheus writes values as strings ("NaN", "+Inf" included); Number() reads them all. */
const sample = ([t, v]: Sample): [number, number] => [t, Number(v)];

export class PrometheusClient {
  readonly url: string;
  constructor(url: string) {
    this.url = url.replace(/\/$/, '');
  }

  private async get<T>(path: string, params: Record<string, string>, query = ''): Promise<T> {
    // POST with a form body, as Prometheus's own UI does: a long query never meets a URL length limit.
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.json().catch(() => ({
      status: 'error',
      errorType: `HTTP ${response.status}`,
      error: 'the answer was not JSON',
    }))) as Answer<T>;
    if (answer.status !== 'success' || answer.data === undefined)
      throw new PromqlError(query, answer.errorType ?? `HTTP ${response.status}`, answer.error ?? 'no data');
    return answer.data;
  }

  /** The query's value at `at` (epoch ms, default now): each series with its one sample. */
  async query(query: string, at?: number): Promise<Series[]> {
    const params: Record<string, string> = { query };
    if (at !== undefined) params.time = String(at / 1000);
    return seriesOf(await this.get<VectorData>('/api/v1/query', params, query));
  }

  /** The query evaluated every `stepS` seconds from `from` to `to` (epoch ms). */
  async queryRange(query: string, from: number, to: number, stepS = 1): Promise<Series[]> {
    const params = { query, start: String(from / 1000), end: String(to / 1000), step: String(stepS) };
    return seriesOf(await this.get<VectorData>('/api/v1/query_range', params, query));
  }

  async targets(): Promise<TargetState[]> {
    const response = await fetch(`${this.url}/api/v1/targets?state=active`, {
      signal: AbortSignal.timeout(5_000),
    });
    const answer = (await response.json()) as Answer<{
      activeTargets: {
        labels: Record<string, string>;
        scrapeUrl: string;
        health: string;
        lastError: string;
      }[];
    }>;
    return (answer.data?.activeTargets ?? []).map((t) => ({
      job: t.labels.job ?? '',
      url: t.scrapeUrl,
      health: t.health as TargetState['health'],
      lastError: t.lastError,
    }));
  }
}

function seriesOf(data: VectorData): Series[] {
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    const [t, v] = data.result as Sample;
    return [{ metric: {}, values: [sample([t, v])] }];
  }
  return (data.result as { metric: Record<string, string>; value?: Sample; values?: Sample[] }[]).map(
    (r) => ({
      metric: r.metric,
      values: r.values ? r.values.map(sample) : r.value ? [sample(r.value)] : [],
    }),
  );
}

/** "controller_http_requests_total{route="/v1/convert",status="503"}", or "{}" for a label-less result. */
export function seriesName(series: Series): string {
  const { __name__: name, ...labels } = series.metric;
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return `${name ?? ''}{${inner}}`;
}
