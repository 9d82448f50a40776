import { appendFileSync } from 'node:fs';
import { Before, Given, setParallelCanAssign } from '@cucumber/cucumber';
import { canAssign } from '../../../support/run/serial.ts';

// Support code of test/run/serial/scheduling.feature: faultline's assignment rule, and one step that holds
// its worker and appends "scenario<TAB>start<TAB>end" to the file SERIAL_TEST_LOG names.

setParallelCanAssign(canAssign);

interface Named {
  scenario: string;
}

Before(function (this: Named, { pickle }) {
  this.scenario = pickle.name;
});

Given('it holds its worker for {int} ms', async function (this: Named, ms: number) {
  const log = process.env.SERIAL_TEST_LOG;
  if (!log)
    throw new Error('SERIAL_TEST_LOG names no file: run this feature through test/run/serial.test.ts');
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  appendFileSync(log, `${this.scenario}\t${start}\t${Date.now()}\n`);
});
