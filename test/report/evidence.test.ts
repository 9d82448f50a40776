import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Verdict } from '../../support/checks/verdict.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Operation } from '../../support/load/history.ts';
import { chartSpec, renderChart } from '../../support/report/chart.ts';
import { historyCsv } from '../../support/report/history-csv.ts';
import { stripAnalytics } from '../../support/report/offline.ts';
import { phaseFigures, sloTableHtml } from '../../support/report/slo-table.ts';
import { timelineHtml, timelineOf } from '../../support/report/timeline.ts';

// The evidence builders on a synthetic scenario: 10 s of operations, one every 100 ms, with a 3 s fault
// from 4 s to 7 s during which every third operation fails and latency is 10× higher.
const T0 = 1_800_000_000_000;
const operations: Operation[] = Array.from({ length: 100 }, (_, i) => {
  const invokedAt = T0 + i * 100;
  const underFault = invokedAt >= T0 + 4_000 && invokedAt < T0 + 7_000;
  const latency = underFault ? 200 : 20;
  return {
    kind: 'conversion',
    id: `op-${i}`,
    invokedAt,
    completedAt: invokedAt + latency,
    outcome: underFault && i % 3 === 0 ? 'fail' : 'ok',
    attempts: [{ target: 'worker-1', outcome: 'ok', startedAt: invokedAt, endedAt: invokedAt + latency }],
  };
});
const faults: FaultRecord[] = [
  {
    id: 1,
    kind: 'partition',
    description: 'network partition between controller and worker-2',
    targets: ['worker-2'],
    state: 'undone',
    startedAt: T0 + 4_000,
    stoppedAt: T0 + 7_000,
    plannedMs: 3_000,
    evidence: ['controller → worker-2: answered before, silent after'],
  },
];
const verdicts: Verdict[] = [
  { check: 'p95 under fault', pass: true, message: 'p95 200 ms', figures: { p95Ms: 200, phase: 'fault' } },
];

test('phases split by the ledger carry measured figures, and an absent phase says why', () => {
  const phases = phaseFigures(operations, faults);
  const byPhase = Object.fromEntries(phases.map((p) => [p.phase, p]));
  // The operation in flight at 4 s (invoked 3.9 s, done 3.92 s) finished before: baseline holds 40.
  assert.equal(byPhase.baseline?.operations, 40);
  assert.equal(byPhase.fault?.operations, 30);
  assert.equal(byPhase.fault?.fail, 10);
  assert.equal(byPhase.fault?.p95Ms, 200);
  assert.equal(byPhase.baseline?.p95Ms, 20);
  assert.equal(byPhase.recovery?.operations, 30);
  assert.equal(byPhase.run?.operations, 100);
  const none = phaseFigures(operations, []).find((p) => p.phase === 'fault');
  assert.equal(none?.operations, 0);
  assert.match(none?.absent ?? '', /no fault was injected/);
  assert.equal(none?.p95Ms, null);
});

test('the SLO table shows each phase and each verdict with its figures', () => {
  const html = sloTableHtml(phaseFigures(operations, faults), verdicts, T0);
  assert.match(html, /<main id="slo-table">/);
  assert.match(html, /under fault/);
  assert.match(html, /200 ms/);
  assert.match(html, /PASS/);
  assert.match(html, /p95Ms: 200/);
});

test('the fault timeline gives start, undo and hold time relative to the scenario start', () => {
  const [entry] = timelineOf(faults, T0);
  assert.equal(entry?.startedAfterS, 4);
  assert.equal(entry?.stoppedAfterS, 7);
  assert.equal(entry?.heldMs, 3_000);
  assert.equal(entry?.undo, 'undone');
  const html = timelineHtml(faults, T0, 42);
  assert.match(html, /4\.00 s/);
  assert.match(html, /7\.00 s/);
  assert.match(html, /seed 42/);
  assert.match(timelineHtml([], T0, 42), /No fault was injected/);
});

test('the chart shades each fault window on both panels, on one time axis', async () => {
  const spec = chartSpec({ operations, faults, origin: T0 - 5_000, end: T0 + 10_000, title: 'x' }) as {
    vconcat: { layer: { data: { values: { from?: number; to?: number }[] }; mark: { type: string } }[] }[];
  };
  for (const panel of spec.vconcat) {
    const shade = panel.layer.find((l) => l.mark.type === 'rect');
    assert.deepEqual(
      shade?.data.values.map((w) => [w.from, w.to]),
      [[9, 12]],
    );
  }
  const svg = await renderChart({ operations, faults, origin: T0, end: T0 + 10_000, title: 'synthetic' });
  assert.match(svg, /^<svg/);
  assert.match(svg, /network partition between controller and worker-2/);
  assert.match(svg, /latency \(ms\)/);
});

test('the chart of a scenario without operations or faults still draws', async () => {
  const svg = await renderChart({ operations: [], faults: [], origin: T0, end: T0 + 1_000, title: 'empty' });
  assert.match(svg, /^<svg/);
});

test('history CSV: a header and one quoted-when-needed row per operation', () => {
  const csv = historyCsv([{ ...operations[0]!, error: 'said "no", then left' }])
    .trim()
    .split('\n');
  assert.equal(csv.length, 2);
  assert.match(csv[0]!, /^id,kind,intendedAt,invokedAt,completedAt,latencyMs,outcome/);
  assert.match(csv[1]!, /,20,ok,/);
  assert.match(csv[1]!, /"said ""no"", then left"$/);
});

test('the analytics tag of the report page is removed, nothing else', () => {
  const page = `<body><div id="app"></div><script async src="https://www.googletagmanager.com/gtag/js?id=G-X"></script>
    <script>
        window.dataLayer = window.dataLayer || [];
        gtag('config', 'G-X', {});
    </script>
    <script>window.allureReportData = 1</script></body>`;
  const stripped = stripAnalytics(page);
  assert.doesNotMatch(stripped, /googletagmanager|dataLayer/);
  assert.match(stripped, /allureReportData/);
});
