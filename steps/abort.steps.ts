import { After, AfterStep, BeforeStep, Given } from '@cucumber/cucumber';
import { tag } from 'allure-js-commons';
import { parsePercentile } from '../support/checks/latency.ts';
import type { Breach } from '../support/load/abort.ts';
import { type Brake, watchFor, watchOf } from '../support/load/abort-watch.ts';
import { stopLoads } from '../support/load/running.ts';
import { parseDuration, parsePercent } from '../support/parse.ts';
import type { FaultlineWorld } from '../support/world.ts';

// "abort if …" arms the experiment's brake: from then on the history is watched, and on a breach the load
// stops and every fault is rolled back at once; the step running at that moment fails as ABORTED with the
// measured figure, so no later step runs. The support hooks' After still rolls back and verifies clean.

/** An experiment stopped by its own abort condition; the message carries the measured figure. */
export class ExperimentAborted extends Error {
  constructor(message: string) {
    super(message);
    // The figure is the news, not where in our code the step noticed it: the report shows the message alone.
    this.stack = message;
  }
}

/** The scenario's abort watch, whose brake stops the load and rolls the faults back. */
export function watch(world: FaultlineWorld) {
  return watchFor(
    world,
    () => world.history.operations,
    async (_breach: Breach) => {
      stopLoads(world);
      return world.faults.rollback();
    },
  );
}

Given(/^abort if the error rate exceeds (.+)$/, function (this: FaultlineWorld, bound: string) {
  watch(this).add({ kind: 'error rate', above: parsePercent(bound) });
});

Given(
  /^abort if (?:the )?(?!error rate\b)(\S+)(?: latency)? exceeds (.+)$/,
  function (this: FaultlineWorld, p: string, bound: string) {
    watch(this).add({ kind: 'latency', percentile: parsePercentile(p), aboveMs: parseDuration(bound) });
  },
);

const reported = new WeakSet<FaultlineWorld>();

async function fail(world: FaultlineWorld, brake: Brake): Promise<never> {
  const problems = await brake.done;
  const faults = world.faults.records.filter(
    (f) => f.stoppedAt !== undefined && f.stoppedAt >= brake.breach.at,
  );
  const message =
    `ABORTED: ${brake.breach.message}; the load was stopped and ${faults.length} fault(s) rolled back` +
    (problems.length > 0 ? `, but: ${problems.join('; ')}` : '');
  if (!reported.has(world)) {
    reported.add(world);
    // Cucumber knows no "aborted" status: the Allure report gets a tag to filter aborted experiments by.
    await tag('aborted');
    world.attach(message, { mediaType: 'text/plain', fileName: 'aborted.txt' });
    world.attach(
      JSON.stringify({ ...brake.breach, rolledBack: faults.map((f) => f.description), problems }, null, 2),
      {
        mediaType: 'application/json',
        fileName: 'abort.json',
      },
    );
  }
  throw new ExperimentAborted(message);
}

// The step during which the brake was pulled fails with the figure; a breach seen between two steps fails
// the next one before it starts.
AfterStep(async function (this: FaultlineWorld) {
  const brake = watchOf(this)?.brake;
  if (brake) await fail(this, brake);
});

BeforeStep(async function (this: FaultlineWorld) {
  const brake = watchOf(this)?.check();
  if (brake) await fail(this, brake);
});

After(function (this: FaultlineWorld) {
  watchOf(this)?.close();
});
