import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIdOf } from '../../support/env/containers/runtime.ts';
import { runCucumber } from '../features/cucumber-run.ts';
import { LABEL, labelled, needsEngine, until } from './engine.ts';

// Ctrl-C on the containers backend at two moments: while the environment comes up, and while the
// experiment runs. Afterwards no container and no network of that run may be left.

const moments = [
  // The first container of the run exists: the topology is half up.
  { name: 'while the topology comes up', containers: 1, thenMs: 0 },
  // Everything is up (redis, postgres, proxy, controller, 5 workers) and the scenario is under way.
  { name: 'during the experiment', containers: 9, thenMs: 2_000 },
];

for (const moment of moments) {
  test(`SIGINT ${moment.name} on containers leaves no container and no network of the run`, {
    timeout: 120_000,
  }, async (t) => {
    if (!(await needsEngine(t))) return;
    const run = runCucumber(['features/network/partition.feature'], { FAULTLINE_BACKEND: 'containers' });
    const pid = run.child.pid;
    assert.ok(pid, 'cucumber did not start');
    const runId = runIdOf(pid);
    const reached = await until(
      async () => (await labelled(LABEL.run, runId)).containers.length >= moment.containers,
      60_000,
    );
    assert.ok(reached, `the run never had ${moment.containers} containers:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, moment.thenMs));
    const during = await labelled(LABEL.run, runId);
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.ok(
      result.code !== 0 || result.signal !== null,
      `an interrupted run must not exit 0:\n${result.output}`,
    );
    const clean = await until(async () => {
      const left = await labelled(LABEL.run, runId);
      return left.containers.length === 0 && left.networks.length === 0;
    }, 20_000);
    assert.ok(
      clean,
      `left behind: ${JSON.stringify(await labelled(LABEL.run, runId))} (at the signal: ${JSON.stringify(during)})\n${result.output}`,
    );
  });
}
