import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Counter, Gauge, Registry } from 'prom-client';
import { AbortWatch } from '../../support/load/abort-watch.ts';
import { PrometheusClient, PromqlError } from '../../support/observe/prometheus/client.ts';
import { awaitTargetsUp } from '../../support/observe/prometheus/index.ts';
import { startLocalPrometheus } from '../../support/observe/prometheus/local.ts';
import type { StartedPrometheus } from '../../support/observe/prometheus/started.ts';
import { awaitReach, firstAnswer, judgeSeries, reachVerdict } from '../../support/observe/promql.ts';
import { watchPromql } from '../../support/observe/promql-abort.ts';

// PromQL verdicts against a series whose answer the test knows: a counter it drives at a fixed rate and a
// gauge it sets, served by a tiny HTTP endpoint that a real Prometheus (Debian's, as the local backend runs
// it) scrapes every second. The verdicts' figures are checked against those known values, not only pass/fail.

const registry = new Registry();
const ticks = new Counter({
  name: 'known_ticks_total',
  help: 'driven at RATE per second',
  registers: [registry],
});
const level = new Gauge({ name: 'known_level', help: 'set by the test', registers: [registry] });
const RATE = 20;

let server: ReturnType<typeof createServer>;
let prometheus: StartedPrometheus;
let client: PrometheusClient;
let driver: NodeJS.Timeout;
let readyAt = 0;

before(async () => {
  server = createServer(async (_req, res) => {
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  level.set(7);
  // RATE per second, in steps of a tenth of a second: rate() over a few seconds then reads RATE closely.
  driver = setInterval(() => ticks.inc(RATE / 10), 100);
  const t0 = performance.now();
  prometheus = await startLocalPrometheus([{ job: 'known', address: `127.0.0.1:${port}` }]);
  client = new PrometheusClient(prometheus.url);
  await awaitTargetsUp(client, 1);
  readyAt = Date.now();
  process.stderr.write(
    `# local Prometheus up with its target scraped in ${Math.round(performance.now() - t0)} ms\n`,
  );
});

after(async () => {
  clearInterval(driver);
  await prometheus?.stop();
  server?.close();
});

const judging = { when: 'now', origin: 0 } as const;

test('a steady state reads the gauge the test set: 7 is at least 5, and not at most 6', async () => {
  const series = await firstAnswer(client, 'known_level', 10_000);
  const pass = judgeSeries(series, { ...judging, query: 'known_level', comparison: 'at least', bound: 5 });
  assert.equal(pass.pass, true, pass.message);
  assert.equal(pass.figures.worst, 7);
  assert.deepEqual(pass.figures.series, [
    'known_level{instance="127.0.0.1:' +
      new URL(`http://${(server.address() as AddressInfo).address}:${(server.address() as AddressInfo).port}`)
        .port +
      '",job="known"}',
  ]);
  const fail = judgeSeries(series, { ...judging, query: 'known_level', comparison: 'at most', bound: 6 });
  assert.equal(fail.pass, false);
  assert.equal(fail.unknown, undefined);
  assert.match(fail.message, /was 7 at .* not at most 6/);
});

test('a rate over a window reads the rate the test drives (20/s), within 15%', async () => {
  // Enough history that every step of the window has a full 5 s of samples: rate() near the start of a
  // series extrapolates only to the first sample, and reads low.
  const wait = readyAt + 14_000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const to = Date.now() - 2_000;
  const query = 'sum(rate(known_ticks_total[5s]))';
  const series = await client.queryRange(query, to - 4_000, to, 1);
  const below = judgeSeries(series, { ...judging, query, comparison: 'below', bound: 100 });
  assert.equal(below.pass, true, below.message);
  assert.equal(below.figures.samples, 5);
  const worst = below.figures.worst as number;
  assert.ok(Math.abs(worst - RATE) / RATE < 0.15, `highest rate ${worst} should be ~${RATE}/s`);
  process.stderr.write(`# rate samples: ${series[0]?.values.map(([, v]) => v.toFixed(2)).join(' ')}\n`);
  const above = judgeSeries(series, { ...judging, query, comparison: 'above', bound: 25 });
  assert.equal(above.pass, false, 'a rate of ~20/s is not above 25');
  assert.ok(Math.abs((above.figures.worst as number) - RATE) / RATE < 0.15);
});

test('an unknown metric is UNKNOWN, saying no series matched — never a pass', async () => {
  const series = await client.query('no_such_metric_total');
  const verdict = judgeSeries(series, {
    ...judging,
    query: 'no_such_metric_total',
    comparison: 'below',
    bound: 1,
  });
  assert.equal(verdict.pass, false);
  assert.equal(verdict.unknown, true);
  assert.match(verdict.message, /no series matched "no_such_metric_total"/);
});

test("a malformed query fails with Prometheus's own parse error", async () => {
  await assert.rejects(client.query('sum(rate(known_ticks_total[5s])'), (error: unknown) => {
    assert.ok(error instanceof PromqlError);
    assert.match(
      error.message,
      /Prometheus refused the PromQL "sum\(rate\(known_ticks_total\[5s\]\)" \(bad_data\)/,
    );
    assert.match(error.message, /parse error: unclosed left parenthesis/);
    return true;
  });
});

test('reaches … within: a gauge raised after 1 s is seen within the scrape interval, and the delay is measured', async () => {
  level.set(7);
  const raised = Date.now() + 1_000;
  setTimeout(() => level.set(42), 1_000);
  const since = Date.now();
  const reach = await awaitReach(client, 'known_level', 'at least', 42, 10_000, 100);
  const verdict = reachVerdict(reach, {
    query: 'known_level',
    comparison: 'at least',
    bound: 42,
    when: 'within 10 s',
    origin: 0,
    since,
    withinMs: 10_000,
  });
  assert.equal(verdict.pass, true, verdict.message);
  const delayMs = reach.reachedAt! - raised;
  process.stderr.write(`# scrape-to-query delay: ${delayMs} ms (scrape interval 1000 ms)\n`);
  // One scrape interval, plus the poll and a scrape's own time.
  assert.ok(delayMs >= 0 && delayMs < 2_000, `seen ${delayMs} ms after the change`);
  assert.ok((verdict.figures.reachedAfterS as number) >= 1 && (verdict.figures.reachedAfterS as number) < 3);
  const never = await awaitReach(client, 'known_level', 'at least', 1000, 1_500, 250);
  const missed = reachVerdict(never, {
    query: 'known_level',
    comparison: 'at least',
    bound: 1000,
    when: 'within 1.5 s',
    origin: 0,
    since: Date.now(),
    withinMs: 1_500,
  });
  assert.equal(missed.pass, false);
  assert.match(missed.message, /did not reach at least 1000 within 1.5 s: its last value was 42/);
});

test('a PromQL abort condition trips the watch with the figure it read', async () => {
  level.set(3);
  await awaitReach(client, 'known_level', 'at most', 3, 5_000, 100);
  let acted = 0;
  const watch = new AbortWatch(
    () => [],
    async () => {
      acted += 1;
      return [];
    },
  );
  watch.add({ kind: 'promql', query: 'known_level', above: 5 });
  watchPromql(watch, client, 'known_level', 5, 100);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  assert.equal(watch.brake, undefined, 'below the threshold: no brake');
  level.set(9);
  const brake = await Promise.race([
    watch.braked,
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5_000)),
  ]);
  assert.ok(brake, 'the brake was pulled within 5 s');
  assert.equal(brake.breach.figure, 9);
  assert.match(brake.breach.message, /the PromQL "known_level" was 9 .* above the 5 abort threshold/);
  await brake.done;
  assert.equal(acted, 1);
  watch.close();
});
