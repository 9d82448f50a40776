// Cucumber profiles for faultline experiments: `npx cucumber-js` (default), `-p ci`, `-p smoke`.
// Features are found at cucumber's default location, features/**/*.feature.

// Every output goes under one directory: reports/ unless FAULTLINE_REPORTS_DIR names another.
const reports = process.env.FAULTLINE_REPORTS_DIR || 'reports';

// Tags → Allure labels and links (allure-cucumberjs): `@severity:critical`, `@owner:platform-team`,
// `@epic:Resilience`, `@story:…`, `@layer:…`; links are written with `=`: `@issue=6`, `@tms=FL-12`.
// FAULTLINE_ISSUE_URL / FAULTLINE_TMS_URL turn their values into links (`%s` stands for the value).
const tagLabel = (name) => ({ name, pattern: [new RegExp(`^@${name}:.+$`)] });

const common = {
  // features/support/faultline.mjs loads faultline's steps; your own steps and hooks go beside it.
  import: ['features/support/**/*.{mjs,js,ts}'],
  // The local backend: the quickest start, no Docker needed. Remove this line to let faultline pick the
  // containers backend when a Docker engine on this machine answers (FAULTLINE_BACKEND overrides either way).
  worldParameters: { backend: 'local' },
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

// The journal (a Chaos Toolkit-readable record of each experiment) comes first: it empties the Allure
// results directory before anything writes there, so each run's results hold that run only.
const reportFormats = [
  `faultline/journal-formatter:${reports}/journal.json`,
  `allure-cucumberjs/reporter:${reports}/allure-reporter.log`,
  `html:${reports}/cucumber.html`,
  `junit:${reports}/junit.xml`,
];

/** Humans at a terminal. */
export default {
  ...common,
  format: [process.stdout.isTTY ? 'progress-bar' : 'progress', ...reportFormats],
};

/** CI: plain output, machine-readable results for gates and report builders. */
export const ci = {
  ...common,
  format: ['progress', ...reportFormats, `message:${reports}/messages.ndjson`],
};

/** Quick confidence: only scenarios tagged @smoke. */
export const smoke = { ...ci, tags: '@smoke' };
