import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runIdOf } from '../../support/env/containers/runtime.ts';
import { runCucumber } from '../features/cucumber-run.ts';
import { LABEL, labelled, needsEngine, until } from './engine.ts';

// Ctrl-C on the containers backend while replicas run and a failover is under way (the primary killed, a
// replica promoted, the link moved): no container of the run — primary, replica or any other — and no
// network may be left.

const FAILOVER = 'features/dependencies/replicas.feature:15';

for (const thenMs of [0, 2_500]) {
  test(`SIGINT ${thenMs ? 'during the failover' : 'as the replicas come up'} on containers leaves nothing of the run`, {
    timeout: 150_000,
  }, async (t) => {
    if (!(await needsEngine(t))) return;
    const run = runCucumber([FAILOVER], { FAULTLINE_BACKEND: 'containers' });
    const runId = runIdOf(run.child.pid!);
    // redis, postgres, its replica, the proxy, the controller and 2 workers.
    const reached = await until(
      async () => (await labelled(LABEL.run, runId)).containers.length >= 7,
      90_000,
    );
    assert.ok(reached, `the run never had 7 containers:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, thenMs));
    const during = await labelled(LABEL.run, runId);
    assert.ok(
      during.containers.some((c) => c.endsWith('postgres-replica-1')),
      `no replica ran: ${during.containers.join(', ')}`,
    );
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
