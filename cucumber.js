// Cucumber profiles. TypeScript support code is imported natively (Node >= 22.18 strips types), so no
// transpiler hook is registered. Select with `npx cucumber-js -p <profile>`.
const common = {
  paths: ['features/**/*.feature'],
  import: ['support/**/*.ts', 'steps/**/*.ts'],
  formatOptions: {
    resultsDir: 'reports/allure-results',
    snippetInterface: 'async-await',
  },
};

/** Humans at a terminal. */
export default {
  ...common,
  format: ['progress-bar', 'allure-cucumberjs/reporter', 'html:reports/cucumber.html'],
};

/** CI: plain lines (no TTY), machine-readable results for gates and report builders. */
export const ci = {
  ...common,
  format: [
    'progress',
    'summary',
    'allure-cucumberjs/reporter',
    'junit:reports/junit.xml',
    'message:reports/messages.ndjson',
    'html:reports/cucumber.html',
  ],
};

/** Quick confidence: only scenarios tagged @smoke. */
export const smoke = { ...ci, tags: '@smoke' };
