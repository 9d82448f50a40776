// Every process fault against real processes (a fault proxy, small HTTP services of
// test/helpers/process-service.mjs) of the local backend, or of the containers backend with
// FAULTLINE_BACKEND=containers: apply, proof, traffic proof, undo, verified clean — and the restart policy's
// supervisor and the restart verdicts over what it recorded.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { restartedWithin, restartsPerMinuteAtMost } from '../../support/checks/restarts.ts';
import { containersBackend } from '../../support/env/containers/backend.ts';
import type { Environment } from '../../support/env/environment.ts';
import { localBackend } from '../../support/env/local/backend.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { kill } from '../../support/faults/process/kill.ts';
import { monkey } from '../../support/faults/process/monkey.ts';
import { pause } from '../../support/faults/process/pause.ts';
import { restart } from '../../support/faults/process/restart.ts';
import { seeded } from '../../support/random.ts';
import type { ProcessService, RestartPolicy, Topology } from '../../support/system/topology.ts';

const SCRIPT = fileURLToPath(new URL('../helpers/process-service.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTAINERS = process.env.FAULTLINE_BACKEND === 'containers';
const backend = CONTAINERS ? containersBackend : localBackend;
/** How each backend names a process: a pid, or its container's start time. */
const INCARNATION = CONTAINERS ? 'container started \\S+' : 'pid \\d+';
const CALLED = ['api', 'worker-1', 'worker-2', 'stubborn'];

const declared = (
  name: string,
  extra: { env?: ProcessService['env']; restart?: RestartPolicy; group?: string; dependsOn?: string[] } = {},
): ProcessService => ({
  kind: 'process',
  name,
  command: ['node', SCRIPT],
  cwd: ROOT,
  portEnv: 'PORT',
  readiness: { kind: 'log', pattern: /listening/, timeoutMs: 20_000 },
  dependsOn: extra.dependsOn ?? [],
  env: extra.env ?? (() => ({})),
  ...(extra.group ? { group: extra.group } : {}),
  ...(extra.restart ? { restart: extra.restart } : {}),
});

const supervised: RestartPolicy = {
  policy: 'on-failure',
  backoff: { initialMs: 100, maxMs: 400, resetMs: 60_000 },
};

const topology: Topology = {
  name: 'processes',
  services: [
    declared('api'),
    declared('worker-1', { group: 'workers', restart: supervised }),
    declared('worker-2', { group: 'workers', restart: supervised }),
    declared('stubborn', { env: () => ({ IGNORE_TERM: '1' }) }),
    declared('lonely'),
    declared('caller', {
      dependsOn: CALLED,
      env: (w) => ({
        CALLS: CALLED.map((to) => {
          const at = w.via('caller', to);
          return `http://${at.host}:${at.port}/`;
        }).join(','),
      }),
    }),
  ],
  links: CALLED.map((to) => ({ from: 'caller', to })),
  probes: {},
};

let env: Environment;
before(async () => {
  env = await backend.up(topology, { seed: 7 });
});
after(async () => {
  await env?.down();
  if (CONTAINERS) await containersBackend.shutdown();
});

/** Applies the fault, lets it hold, rolls back; the record and whether the environment is clean. */
async function run(spec: Parameters<FaultLedger['inject']>[0], holdMs = 600) {
  const ledger = new FaultLedger();
  const record = await ledger.inject(spec);
  await new Promise((r) => setTimeout(r, holdMs));
  assert.deepEqual(await ledger.rollback(), []);
  // A fault that healed on its timer may still be in its undo (waiting for a supervisor's restart).
  while (record.stoppedAt === undefined) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  return record;
}

describe('process faults on real processes', { timeout: 120_000 }, () => {
  test('SIGKILL: alive before, gone after with its exit status, felt, brought back with a new pid', async () => {
    const before = env.control('api').incarnation();
    const record = await run(kill(env, ['api'], { signal: 'SIGKILL' }));
    assert.match(
      record.evidence[0]!,
      new RegExp(
        `^api \\(${INCARNATION}\\) was alive, received SIGKILL and was gone \\d+ ms later \\(exit: signal SIGKILL( \\(code 137\\))?\\)$`,
      ),
    );
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /caller → api: \d+ connections? accepted/);
    assert.notEqual(env.control('api').incarnation(), before);
    const events = env.lifecycle('api');
    assert.deepEqual(
      events.slice(-2).map((e) => [e.event, e.by]),
      [
        ['exited', undefined],
        ['started', 'harness'],
      ],
    );
    assert.equal(events.filter((e) => e.event === 'exited').at(-1)?.exit?.signal, 'SIGKILL');
  });

  test('SIGTERM: a service that exits by itself is stopped gracefully; one that does not needs SIGKILL', async () => {
    const graceful = await run(kill(env, ['api'], { signal: 'SIGTERM', graceMs: 2_000 }));
    assert.match(
      graceful.evidence[0]!,
      /received SIGTERM and exited gracefully \d+ ms later, within the 2000 ms grace period \(exit: code 0\)/,
    );
    const stubborn = await run(kill(env, ['stubborn'], { signal: 'SIGTERM', graceMs: 300 }));
    assert.match(
      stubborn.evidence[0]!,
      /had not exited after the 300 ms grace period and needed SIGKILL \(exit: signal SIGKILL( \(code 137\))?\)/,
    );
  });

  test('pause: the kernel says stopped and a probe gets no reply; the undo resumes it', async () => {
    const record = await run(pause(env, ['api']));
    assert.match(
      record.evidence[0]!,
      new RegExp(
        `^api \\(${INCARNATION}\\): http probe answered in \\d+ ms before; stopped \\((process state T|container State.Paused)\\) and no reply within 500 ms after$`,
      ),
    );
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.equal(await env.control('api').paused(), false);
  });

  test('a process left paused is named by the clean check after rollback', async () => {
    const api = env.control('api');
    await api.pause();
    try {
      for (const deadline = Date.now() + 2_000; !(await api.paused()) && Date.now() < deadline; )
        await new Promise((r) => setTimeout(r, 20));
      const problems = await verifyClean(env, 500);
      assert.deepEqual(
        problems.filter((p) => p.startsWith('service api')),
        [`service api is still paused (${api.incarnation()} is stopped)`],
      );
    } finally {
      await api.resume();
    }
    for (const deadline = Date.now() + 2_000; (await api.paused()) && Date.now() < deadline; )
      await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await verifyClean(env, 2_000), []);
  });

  test('restart: a new pid that answers; the traffic during the restart is counted', async () => {
    const record = await run(restart(env, ['api']), 0);
    assert.match(
      record.evidence[0]!,
      new RegExp(
        `^api restarted: (${INCARNATION}) → (?!\\1)${INCARNATION}, ready again \\d+ ms after the stop began; http probe answered in \\d+ ms$`,
      ),
    );
    assert.ok(record.felt, 'a restart has a traffic proof');
  });

  test('a process fault on a service no traffic reaches is not felt: the experiment is invalid', async () => {
    const record = await run(kill(env, ['lonely'], { signal: 'SIGKILL', operations: () => [] }));
    assert.equal(record.felt?.ok, false);
    assert.match(
      record.felt!.evidence,
      /^no traffic of the system reached lonely while the crash held: no link of the system leads into it and no operation of the scenario was sent to it$/,
    );
  });

  test('under a restart policy the supervisor restarts a killed member with a doubling backoff, and the undo does not fight it', async () => {
    const since = Date.now();
    for (let i = 0; i < 3; i++) {
      const ledger = new FaultLedger();
      await ledger.inject(kill(env, ['worker-1'], { signal: 'SIGKILL' }));
      // The supervisor brings it back by itself (100, 200, 400 ms backoff), before the undo runs.
      await env.control('worker-1').settled();
      assert.deepEqual(await ledger.rollback(), []);
    }
    const starts = env.lifecycle('worker-1').filter((e) => e.at >= since && e.event === 'started');
    assert.deepEqual(
      starts.map((e) => [e.by, e.backoffMs]),
      [
        ['supervisor', 100],
        ['supervisor', 200],
        ['supervisor', 400],
      ],
    );
    const records = [{ service: 'worker-1', events: env.lifecycle('worker-1') }];
    const within = restartedWithin('worker-1', records, since, 5_000);
    assert.equal(within.pass, true, within.message);
    assert.equal(restartsPerMinuteAtMost('worker-1', records, since, Date.now(), 3).pass, true);
    const tooMany = restartsPerMinuteAtMost('worker-1', records, since, Date.now(), 2);
    assert.equal(tooMany.pass, false);
    assert.match(
      tooMany.message,
      /3 restarts after 3 exits in [\d.]+ s, 3 in the busiest minute: more than 2/,
    );
    assert.deepEqual(await verifyClean(env, 2_000), []);
  });

  test('without a policy only the undo brings a service back: "restarts within" fails saying so', async () => {
    const since = Date.now();
    await run(kill(env, ['api'], { signal: 'SIGKILL' }), 300);
    const verdict = restartedWithin('api', [{ service: 'api', events: env.lifecycle('api') }], since, 5_000);
    assert.equal(verdict.pass, false);
    assert.match(
      verdict.message,
      /api exited \(signal SIGKILL\) and was started again only by the harness \(a fault's undo\) [\d.]+ ms later: nothing restarted it by itself/,
    );
  });

  test('a restart verdict with no exit to judge fails saying so', () => {
    const verdict = restartedWithin('the workers', [{ service: 'worker-2', events: [] }], 0, 5_000);
    assert.equal(verdict.pass, false);
    assert.match(
      verdict.message,
      /^no exit of the workers was recorded in this scenario, so there is no restart to judge/,
    );
    assert.equal(restartsPerMinuteAtMost('the workers', [], 0, 1, 10).pass, false);
  });

  test('the chaos monkey kills a seeded draw every period, the same victims for the same seed', async () => {
    const victims = async () => {
      const record = await run(
        monkey(env, {
          phrase: 'the workers',
          members: ['worker-1', 'worker-2'],
          count: 1,
          everyMs: CONTAINERS ? 800 : 400,
          forMs: CONTAINERS ? 2_600 : 1_300,
          random: seeded(42),
        }),
        CONTAINERS ? 3_000 : 1_600,
      );
      assert.equal(record.felt?.ok, true, record.felt?.evidence);
      return record.evidence.filter((l) => l.startsWith('round')).map((l) => l.replace(/ at \+[\d.]+ s/, ''));
    };
    const first = await victims();
    assert.ok(first.length >= 3, first.join('\n'));
    assert.deepEqual((await victims()).slice(0, 3), first.slice(0, 3));
  });
});
