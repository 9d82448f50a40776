// Cucumber profiles. TypeScript support code is imported natively (Node >= 22.18 strips types), so no
// transpiler hook is registered. Select with `npx cucumber-js -p <profile>`.
// Features are found at cucumber's default location, features/**/*.feature (naming paths here as well
// would merge with paths given on the command line).
const common = {
  // Only cucumber's own entry points: support/ also holds child-process entrypoints and libraries that must
  // not be loaded into the runner as a side effect.
  import: ['support/world.ts', 'support/parameters.ts', 'support/hooks.ts', 'steps/**/*.ts'],
  formatOptions: {
    resultsDir: 'reports/allure-results',
    snippetInterface: 'async-await',
  },
};

/** Humans at a terminal. */
export default {
  ...common,
  // progress-bar draws nothing without a terminal; plain progress lines then.
  format: [
    process.stdout.isTTY ? 'progress-bar' : 'progress',
    'allure-cucumberjs/reporter:reports/allure-reporter.log',
    'html:reports/cucumber.html',
  ],
};

/** CI: plain lines (no TTY), machine-readable results for gates and report builders. */
export const ci = {
  ...common,
  format: [
    'progress',
    'summary',
    'allure-cucumberjs/reporter:reports/allure-reporter.log',
    'junit:reports/junit.xml',
    'message:reports/messages.ndjson',
    'html:reports/cucumber.html',
  ],
};

/** Quick confidence: only scenarios tagged @smoke. */
export const smoke = { ...ci, tags: '@smoke' };
