// `npm run report`: builds the Allure report from a run's results, offline (the `allure` npm package, Allure
// 3's Awesome report; nothing is fetched). `npm run report -- --single-file` writes one self-contained HTML
// file to share instead. Options: --results <dir> (default reports/allure-results), --output <dir> (default
// reports/allure-report, or reports/allure-report-single with --single-file), --name <report name>.
// The coverage matrix and the run journal the run wrote beside the results (coverage.html, journal.json)
// become global attachments of the report; the categories separate product defects from infrastructure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CATEGORIES } from '../support/report/categories.ts';
import { stripAnalytics } from '../support/report/offline.ts';

const { values } = parseArgs({
  options: {
    results: { type: 'string', default: 'reports/allure-results' },
    output: { type: 'string' },
    name: { type: 'string', default: 'faultline: resilience experiments' },
    'single-file': { type: 'boolean', default: false },
  },
});

const single = values['single-file'];
const results = resolve(values.results);
const output = resolve(values.output ?? (single ? 'reports/allure-report-single' : 'reports/allure-report'));
if (!existsSync(results) || readdirSync(results).length === 0) {
  process.stderr.write(
    `report: no Allure results in ${results}: run the features first (npx cucumber-js), or name the results with --results <dir>\n`,
  );
  process.exit(1);
}

// Written by the run beside its results directory (support/report/journal-formatter.ts).
const beside = dirname(results);
const globalAttachments = ['coverage.html', 'journal.json']
  .map((f) => join(beside, f))
  .filter((f) => existsSync(f));

const config = {
  name: values.name,
  output,
  categories: { rules: CATEGORIES },
  globalAttachments,
  plugins: {
    awesome: { options: { singleFile: single, reportLanguage: 'en', groupBy: ['epic', 'feature'] } },
  },
};
const configDir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
try {
  const configFile = join(configDir, 'allurerc.mjs');
  writeFileSync(configFile, `export default ${JSON.stringify(config, null, 2)};\n`);
  rmSync(output, { recursive: true, force: true });
  const started = performance.now();
  const run = spawnSync('npx', ['--no-install', 'allure', 'generate', '--config', configFile, results], {
    stdio: 'inherit',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (run.status !== 0) {
    process.stderr.write(`report: allure generate failed (exit ${run.status ?? run.signal})\n`);
    process.exit(1);
  }
  const index = join(output, 'index.html');
  if (existsSync(index)) writeFileSync(index, stripAnalytics(readFileSync(index, 'utf8')));
  process.stdout.write(
    `report: ${index} (${Math.round(performance.now() - started)} ms)${single ? ': one file, opens from disk' : `: serve it with npx allure open ${output}`}\n`,
  );
} finally {
  rmSync(configDir, { recursive: true, force: true });
}
