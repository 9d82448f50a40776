// Cucumber profiles. TypeScript support code is imported natively (Node >= 22.18 strips types), so no
// transpiler hook is registered. Select with `npx cucumber-js -p <profile>`.
// Features are found at cucumber's default location, features/**/*.feature (naming paths here as well
// would merge with paths given on the command line).

import { parallelWorkers } from './support/run/workers.ts';

// Every output goes under one directory: reports/ unless FAULTLINE_REPORTS_DIR names another (a test that
// runs scenarios keeps its results apart from the developer's).
const reports = process.env.FAULTLINE_REPORTS_DIR || 'reports';

// Tags → Allure labels and links (allure-cucumberjs): `@severity:critical`, `@owner:platform-team`,
// `@epic:Resilience`, `@story:…`, `@layer:…`; links are written with `=`: `@issue=6`, `@tms=FL-12`.
// FAULTLINE_ISSUE_URL / FAULTLINE_TMS_URL turn their values into links (`%s` stands for the value).
const tagLabel = (name) => ({ name, pattern: [new RegExp(`^@${name}:.+$`)] });

const common = {
  // One entry (the same a user's project loads as faultline/cucumber): support/ also holds child-process
  // entrypoints and libraries that must not be loaded into the runner as a side effect.
  import: ['support/cucumber.ts'],
  // @serial scenarios queue after all others, so that running them alone never idles a parallel worker
  // (support/run/serial.ts); with one worker it changes only the order.
  plugin: ['./support/run/serial-plugin.ts'],
  formatOptions: {
    resultsDir: `${reports}/allure-results`,
    snippetInterface: 'async-await',
    labels: ['epic', 'feature', 'story', 'severity', 'owner', 'layer'].map(tagLabel),
    links: {
      issue: {
        pattern: [/^@issue=.+$/],
        urlTemplate: process.env.FAULTLINE_ISSUE_URL || '%s',
        nameTemplate: 'issue %s',
      },
      tms: {
        pattern: [/^@tms=.+$/],
        urlTemplate: process.env.FAULTLINE_TMS_URL || '%s',
        nameTemplate: 'test case %s',
      },
    },
  },
};

// The journal formatter comes first: it empties the Allure results directory before anything writes there,
// so each run's results (and report) hold that run only.
const reportFormats = [
  `./support/report/journal-formatter.ts:${reports}/journal.json`,
  `allure-cucumberjs/reporter:${reports}/allure-reporter.log`,
  `html:${reports}/cucumber.html`,
  `junit:${reports}/junit.xml`,
];

/** Humans at a terminal. */
export default {
  ...common,
  // A live progress bar in a terminal; cucumber itself swaps progress-bar for plain progress lines when
  // stdout is not a TTY, this only avoids its warning.
  format: [process.stdout.isTTY ? 'progress-bar' : 'progress', ...reportFormats],
};

/**
 * CI: plain output (no TTY), machine-readable results for gates and report builders; scenarios in parallel,
 * one worker per core (FAULTLINE_WORKERS overrides; `--parallel 0` runs them in turn), @serial ones alone.
 */
export const ci = {
  ...common,
  parallel: parallelWorkers(),
  // One formatter owns stdout (cucumber keeps the last one named): progress, which prints a character per
  // step as it runs and then the failures and the summary — summary alone would stay silent until the end.
  format: ['progress', ...reportFormats, `message:${reports}/messages.ndjson`],
};

/** Quick confidence: only scenarios tagged @smoke. */
export const smoke = { ...ci, tags: '@smoke' };
