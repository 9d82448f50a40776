import { Given, Then } from '@cucumber/cucumber';
import type { Verdict } from '../support/checks/verdict.ts';
import { unknownVerdict } from '../support/checks/verdict.ts';
import { parsePhase, splitPhases } from '../support/load/phases.ts';
import { finished } from '../support/load/running.ts';
import type { Series } from '../support/observe/prometheus/client.ts';
import { SCRAPE_INTERVAL_S } from '../support/observe/prometheus/config.ts';
import {
  awaitReach,
  firstAnswer,
  judgeSeries,
  PROMQL_STEPS,
  parseBound,
  parseComparison,
  parseQuery,
  reachVerdict,
} from '../support/observe/promql.ts';
import { watchPromql } from '../support/observe/promql-abort.ts';
import { renderPromqlChart } from '../support/observe/promql-chart.ts';
import { parseDuration } from '../support/parse.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { watch } from './abort.steps.ts';
import { judge } from './judge.ts';

// PromQL in Gherkin, against the environment's own Prometheus (started with it when a scenario uses these
// steps): a steady state, a verdict over a phase or the last N seconds, a verdict that waits for a figure,
// and an abort condition. Every verdict attaches the query, the series it read and a chart.

const SLOW = { timeout: 5 * 60_000 };
/** How long a steady state waits for the query to have a number at all (a rate needs two scrapes). */
const FIRST_ANSWER_MS = 15_000;

async function attachEvidence(
  world: FaultlineWorld,
  verdict: Verdict,
  query: string,
  series: readonly Series[],
  bound: number,
) {
  world.attach(
    JSON.stringify(
      { query, bound, status: verdict.unknown ? 'unknown' : verdict.pass ? 'pass' : 'fail', series },
      null,
      2,
    ),
    {
      mediaType: 'application/json',
      fileName: 'promql.json',
    },
  );
  if (series.length === 0) return;
  const svg = await renderPromqlChart({
    query,
    series,
    bound,
    faults: world.faults.records,
    origin: world.startedAt,
    title: `${verdict.check}: ${verdict.unknown ? 'UNKNOWN' : verdict.pass ? 'PASS' : 'FAIL'}`,
  }).catch(() => undefined);
  if (svg) world.attach(svg, { mediaType: 'image/svg+xml', fileName: 'promql.svg' });
}

/** The time window a phase's words name, clipped to when Prometheus has data and to now. */
async function windowOf(world: FaultlineWorld, words: string | undefined, readyAt: number) {
  const last = words?.match(/^over the last (.+)$/);
  if (last) {
    const to = Date.now();
    return { from: Math.max(readyAt, to - parseDuration(last[1]!)), to, label: words! };
  }
  const phase = parsePhase(words);
  await finished(world);
  const w = splitPhases(world.history.operations, world.faults.records)[phase];
  if (w.absent) return { absent: w.absent, label: w.label };
  return { from: Math.max(readyAt, w.from), to: Math.min(Date.now(), w.to), label: w.label };
}

Given(
  new RegExp(PROMQL_STEPS.steady),
  SLOW,
  async function (this: FaultlineWorld, q: string, comparison: string, bound: string) {
    const query = parseQuery(q);
    const j = {
      query,
      comparison: parseComparison(comparison),
      bound: parseBound(bound),
      when: 'at the steady state',
      origin: this.startedAt,
    };
    const prometheus = await this.prometheus();
    const series = await firstAnswer(prometheus.client, query, FIRST_ANSWER_MS);
    const verdict = judgeSeries(series, j);
    await attachEvidence(this, verdict, query, series, j.bound);
    judge(this, verdict);
  },
);

Then(
  new RegExp(PROMQL_STEPS.stays),
  SLOW,
  async function (
    this: FaultlineWorld,
    q: string,
    comparison: string,
    bound: string,
    phase: string | undefined,
  ) {
    const query = parseQuery(q);
    const prometheus = await this.prometheus();
    const window = await windowOf(this, phase, prometheus.readyAt);
    const j = {
      query,
      comparison: parseComparison(comparison),
      bound: parseBound(bound),
      when: window.label,
      origin: this.startedAt,
    };
    if (window.absent !== undefined || window.to <= window.from) {
      const verdict = unknownVerdict(
        `PromQL ${j.comparison} ${j.bound} ${window.label}`,
        `nothing to judge ${window.label}: ${window.absent ?? 'the window is empty (it ended before Prometheus had data)'}`,
        { query, bound: j.bound },
      );
      judge(this, verdict);
      return;
    }
    // The window's last samples are scraped up to one interval after it ends: wait for them before asking.
    const settled = window.to + 2 * SCRAPE_INTERVAL_S * 1000 - Date.now();
    if (settled > 0) await new Promise((resolve) => setTimeout(resolve, settled));
    const series = await prometheus.client.queryRange(query, window.from, window.to, SCRAPE_INTERVAL_S);
    const verdict = judgeSeries(series, j);
    verdict.figures.windowFromS = Math.round(window.from - this.startedAt) / 1000;
    verdict.figures.windowToS = Math.round(window.to - this.startedAt) / 1000;
    await attachEvidence(this, verdict, query, series, j.bound);
    judge(this, verdict);
  },
);

Then(
  new RegExp(PROMQL_STEPS.reaches),
  SLOW,
  async function (this: FaultlineWorld, q: string, direction: string, bound: string, within: string) {
    const query = parseQuery(q);
    const comparison = direction === 'reaches' ? 'at least' : 'at most';
    const j = {
      query,
      comparison,
      bound: parseBound(bound),
      when: `within ${within}`,
      origin: this.startedAt,
    } as const;
    const withinMs = parseDuration(within);
    const prometheus = await this.prometheus();
    const since = Date.now();
    const reach = await awaitReach(prometheus.client, query, comparison, j.bound, withinMs);
    const verdict = reachVerdict(reach, { ...j, since, withinMs });
    const series = await prometheus.client
      .queryRange(query, Math.max(prometheus.readyAt, since - 30_000), Date.now(), SCRAPE_INTERVAL_S)
      .catch(() => []);
    await attachEvidence(this, verdict, query, series, j.bound);
    judge(this, verdict);
  },
);

Given(new RegExp(PROMQL_STEPS.abort), SLOW, async function (this: FaultlineWorld, q: string, bound: string) {
  const query = parseQuery(q);
  const above = parseBound(bound);
  const prometheus = await this.prometheus();
  // Asked once now: a query Prometheus refuses fails here, at this step, not silently in the poller.
  await prometheus.client.query(query);
  const brake = watch(this);
  brake.add({ kind: 'promql', query, above });
  watchPromql(brake, prometheus.client, query, above);
});
