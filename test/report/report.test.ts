import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Locator, type Page } from 'playwright-core';
import type { CoverageMatrix } from '../../support/report/coverage.ts';
import type { Journal } from '../../support/report/journal.ts';
import { ROOT, runCucumber } from '../features/cucumber-run.ts';
import { chromiumPath } from './chromium.ts';

// The acceptance path of the reports, end to end: run one short experiment with a fault window into a
// temp reports directory, build the single-file Allure report with `npm run report`, open it from disk in
// headless Chromium with every network request refused, and find — for the scenario — the chart with its
// fault window, the fault timeline, the per-phase SLO table and a service log. The run's journal, coverage
// matrix, JUnit XML and Cucumber HTML are checked on the way.

const SCENARIO = 'Load across a partition of one worker: baseline, under fault, recovery';
const dir = mkdtempSync(join(tmpdir(), 'faultline-report-test-'));
const browserPath = chromiumPath();
let run: { code: number | null; output: string };

before(async () => {
  run = await runCucumber(['features/load/load-smoke.feature', '--name', SCENARIO], {
    FAULTLINE_REPORTS_DIR: dir,
  }).done;
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('the run passes and writes JUnit, Cucumber HTML, journal, coverage and environment', () => {
  assert.equal(run.code, 0, run.output);
  for (const file of ['junit.xml', 'cucumber.html', 'journal.json', 'coverage.json', 'coverage.html'])
    assert.ok(existsSync(join(dir, file)), `${file} missing in ${dir}`);
  const environment = readFileSync(join(dir, 'allure-results', 'environment.properties'), 'utf8');
  assert.match(environment, /^seed=\d+$/m);
  assert.match(environment, /^backend=local$/m);

  const journal = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as Journal;
  assert.equal(journal.status, 'passed');
  const [scenario] = journal.scenarios;
  assert.ok(scenario);
  assert.equal(scenario.name, SCENARIO);
  assert.equal(scenario.family, 'load');
  assert.equal(scenario.steadyStateBefore.met, true);
  assert.ok(scenario.steadyStateBefore.evidence.some((l) => /healthy workers/.test(l)));
  assert.deepEqual(scenario.steadyStateAfter, { clean: true, problems: [] });
  const [fault] = scenario.faults;
  assert.equal(fault?.kind, 'partition');
  assert.ok(fault?.startedAt && fault.stoppedAt && fault.stoppedAt > fault.startedAt, 'fault timestamps');
  assert.ok(scenario.verdicts.length >= 6 && scenario.verdicts.every((v) => v.pass));
  const underFault = scenario.phases.find((p) => p.phase === 'fault');
  assert.ok(underFault && underFault.operations > 0 && underFault.p95Ms !== null, 'figures under fault');

  const coverage = JSON.parse(readFileSync(join(dir, 'coverage.json'), 'utf8')) as CoverageMatrix;
  const cell = coverage.cells.find((c) => c.mode === 'partition' && c.service === 'workers');
  assert.equal(cell?.covered, true, JSON.stringify(coverage));
  assert.ok(coverage.services.includes('redis'), 'every service of the topology is a column');
});

const buildReport = (output: string, ...options: string[]) => {
  const built = spawnSync(
    'npm',
    [
      'run',
      '--silent',
      'report',
      '--',
      '--results',
      join(dir, 'allure-results'),
      '--output',
      output,
      ...options,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(built.status, 0, `${built.stdout}\n${built.stderr}`);
};

// Skipped without a browser on a developer's machine; under CI a missing browser fails the test.
const noBrowser = browserPath || process.env.CI ? false : 'no chromium (npm run setup installs it as root)';

test('the single-file report opens from disk, offline, and shows the evidence', {
  skip: noBrowser,
}, async () => {
  assert.equal(run.code, 0, run.output);
  const output = join(dir, 'single');
  buildReport(output, '--single-file');
  await inChromium((page) =>
    expectEvidence(page, pathToFileURL(join(output, 'index.html')).href, resultId(output)),
  );
});

test('the report site (npm run report) served on loopback shows the evidence', {
  skip: noBrowser,
}, async () => {
  assert.equal(run.code, 0, run.output);
  const output = join(dir, 'allure-report');
  buildReport(output);
  const server = await serve(output);
  try {
    await inChromium((page) => expectEvidence(page, `${server.url}/index.html`, resultId(output)));
  } finally {
    server.close();
  }
});

function resultId(output: string): string {
  const ids = Object.entries(
    (
      JSON.parse(readFileSync(join(output, 'test-results.json'), 'utf8')) as {
        byId: Record<string, { name: string }>;
      }
    ).byId,
  );
  const id = ids.find(([, r]) => r.name === SCENARIO)?.[0];
  assert.ok(id, `no test result for the scenario in ${JSON.stringify(ids)}`);
  return id;
}

async function inChromium(use: (page: Page) => Promise<void>): Promise<void> {
  assert.ok(browserPath, 'no chromium: npm run setup installs it (as root), or set FAULTLINE_CHROMIUM');
  const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
  try {
    await use(await browser.newPage({ viewport: { width: 1400, height: 1000 } }));
  } finally {
    await browser.close();
  }
}

/** Per scenario: the chart with its fault window, the fault timeline, the SLO table, a service log. */
async function expectEvidence(page: Page, url: string, id: string): Promise<void> {
  const origin = new URL(url).origin;
  const outside: string[] = [];
  // Offline means nothing but the report itself (and what it builds in memory) is ever asked for.
  await page.route('**/*', (route) => {
    const asked = route.request().url();
    if (/^(data|blob|about):/.test(asked) || asked.startsWith(origin === 'null' ? 'file:' : origin))
      return route.continue();
    outside.push(asked);
    return route.abort();
  });
  await page.goto(`${url}#${id}`);
  await page.getByText(SCENARIO).first().waitFor();
  await page.getByText('Rollback, evidence, teardown').click();
  await expectChart(page);
  await expectFrame(page, 'fault-timeline.html', '#fault-timeline table.fault-timeline', /partition/);
  await expectFrame(page, 'slo.html', '#slo-table table.phases', /under fault/);
  await expectText(page, 'controller.log', '"service":"controller"');
  assert.deepEqual(outside, [], 'the report asked for something outside itself');
}

/** A static server on loopback for the multi-file report (browsers refuse its fetches from file://). */
async function serve(root: string): Promise<{ url: string; close: () => void }> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.json': 'application/json',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
  };
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/**
 * Expands an attachment by clicking its name until `shown` sees its content: the report re-renders while
 * the frames of other attachments load, and a click in that moment can be lost (clicking again toggles, so
 * each try waits long enough for a slow render first).
 */
async function expand(page: Page, name: string, shown: (timeout: number) => Promise<boolean>): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    await page.getByText(name, { exact: true }).click();
    if (await shown(8_000)) return;
  }
  assert.fail(`${name}: its content never showed after 3 clicks`);
}

const visible = (locator: Locator) => (timeout: number) =>
  locator
    .first()
    .waitFor({ timeout })
    .then(() => true)
    .catch(() => false);

/** The chart attachment, expanded, shows the SVG with a shaded fault window (vega's rect marks). */
async function expectChart(page: Page): Promise<void> {
  const image = page.locator('img[src^="blob:"], img[src^="data:image/svg"]');
  await expand(page, 'latency-throughput.svg', visible(image));
  const svg = await image
    .first()
    .evaluate(async (img) => (await fetch((img as unknown as { src: string }).src)).text());
  assert.match(svg, /<svg/);
  assert.match(svg, /network partition between controller and worker-\d/, 'the fault window is labelled');
  assert.match(svg, /latency \(ms\)/);
  assert.match(svg, /per second/);
  const box = await image.first().boundingBox();
  assert.ok(box && box.width > 300 && box.height > 150, `chart drawn at ${JSON.stringify(box)}`);
}

/** A text attachment, expanded, shows its lines as code. */
async function expectText(page: Page, name: string, text: string): Promise<void> {
  await expand(page, name, visible(page.locator('pre code').filter({ hasText: text })));
}

/** An HTML attachment, expanded, renders in a frame that holds the expected table. */
async function expectFrame(page: Page, name: string, selector: string, text: RegExp): Promise<void> {
  await expand(page, name, async (timeout) => {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      for (const frame of page.frames()) {
        const found = await frame.$(selector).catch(() => null);
        if (found && text.test((await found.textContent()) ?? '')) return true;
      }
      await page.waitForTimeout(200);
    }
    return false;
  });
}
