import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sweepLeftovers } from '../../support/env/containers/sweep.ts';
import { LABEL, labelled, leftoverProcess, needsEngine, until } from './engine.ts';

// Cleanup without Ryuk, for a run that never gets to clean up after itself (SIGKILL): its watchdog removes
// what it made; when the watchdog is gone too, the next run's start sweep does. Neither touches what a
// live run owns.

const ROOT = new URL('../../', import.meta.url).href;

/**
 * A separate faultline process that creates a network and a redis container carrying its run labels, says
 * its run id on stdout, then waits to be killed. With `watchdog`, it first starts its cleanup watchdog.
 */
function leftoverRun(watchdog: boolean) {
  const code = `
    const { acquireNetwork } = await import('${ROOT}support/env/containers/network.ts');
    const { startRedis } = await import('${ROOT}support/env/containers/services.ts');
    const { images } = await import('${ROOT}support/env/containers/images/resolve.ts');
    const { RUN_ID, runLabels, LABEL } = await import('${ROOT}support/env/containers/runtime.ts');
    const { ensureWatchdog } = await import('${ROOT}support/env/containers/sweep.ts');
    if (${watchdog}) await ensureWatchdog();
    const network = await acquireNetwork();
    await startRedis('redis', (await images()).redis, {
      network: network.name,
      containerName: 'faultline-leftover-' + RUN_ID,
      labels: { ...runLabels(), [LABEL.env]: RUN_ID + '-test', [LABEL.service]: 'redis' },
    });
    console.log('RUN ' + RUN_ID);
    setInterval(() => {}, 1000);
  `;
  return leftoverProcess(code);
}

test('the watchdog removes the containers and network of a run killed with SIGKILL', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  const { child, run } = leftoverRun(true);
  const id = await run;
  const before = await labelled(LABEL.run, id);
  assert.equal(before.containers.length, 1, 'the leftover run made no container');
  assert.equal(before.networks.length, 1, 'the leftover run made no network');
  child.kill('SIGKILL');
  const gone = await until(async () => {
    const now = await labelled(LABEL.run, id);
    return now.containers.length === 0 && now.networks.length === 0;
  }, 20_000);
  assert.ok(gone, `left behind: ${JSON.stringify(await labelled(LABEL.run, id))}`);
});

test('the start sweep removes what a dead run left and keeps what a live one owns', {
  timeout: 120_000,
}, async (t) => {
  if (!(await needsEngine(t))) return;
  // Two runs without watchdogs: one is killed (its resources are leftovers), one stays alive.
  const dead = leftoverRun(false);
  const alive = leftoverRun(false);
  const [deadId, aliveId] = await Promise.all([dead.run, alive.run]);
  try {
    dead.child.kill('SIGKILL');
    await new Promise((resolve) => dead.child.once('exit', resolve));
    assert.equal((await labelled(LABEL.run, deadId)).containers.length, 1, 'nothing left to sweep');
    const report = await sweepLeftovers();
    assert.deepEqual(await labelled(LABEL.run, deadId), { containers: [], networks: [] });
    assert.ok(
      report.containers.some((name) => name.includes(deadId)),
      JSON.stringify(report),
    );
    const kept = await labelled(LABEL.run, aliveId);
    assert.equal(kept.containers.length, 1, 'the sweep removed a live run’s container');
    assert.equal(kept.networks.length, 1, 'the sweep removed a live run’s network');
  } finally {
    alive.child.kill('SIGKILL');
    await new Promise((resolve) => alive.child.once('exit', resolve));
    await sweepLeftovers();
  }
  assert.deepEqual(await labelled(LABEL.run, aliveId), { containers: [], networks: [] });
});
