import assert from 'node:assert/strict';
import type { Backend, Environment } from '../../support/env/environment.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { failover, replicaFailure } from '../../support/faults/stores/replica.ts';
import { inRecovery, measureLag, streamingTo } from '../../support/faults/stores/replication.ts';
import { until } from '../../support/faults/stores/store.ts';
import { defineSystem, postgres, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import { wait } from '../../support/system/readiness.ts';
import { proxyName, type Topology } from '../../support/system/topology.ts';

// Replica faults against real Postgres on a backend: a primary with two streaming replicas and a writer
// that reaches the primary through its link of the fault proxy (a system's own traffic). Shared by the
// local test and the containers one.

const HERE = import.meta.dirname;

export function replicaTopology(writeEveryMs = 50): Topology {
  return instantiate(
    defineSystem({
      services: [
        postgres('db', { replicas: 2 }),
        service('writer', {
          command: ['node', 'fixtures/pg-writer.ts'],
          cwd: HERE,
          env: (w) => ({ DATABASE_URL: w.url('db'), WRITE_EVERY_MS: String(writeEveryMs) }),
          readiness: wait.forLog(/listening/),
        }),
      ],
    }),
    {},
    { name: 'replicated', baseDir: HERE, origin: 'replica test' },
  ).topology;
}

async function writes(env: Environment): Promise<{ ok: number; failed: number }> {
  const { host, port } = env.endpoint('writer');
  return (await (await fetch(`http://${host}:${port}/`)).json()) as { ok: number; failed: number };
}

const streamsToBoth = async (env: Environment) =>
  (await streamingTo(env, 'db')).join(',') === 'db-replica-1,db-replica-2';

export async function replicaFailureScenario(backend: Backend): Promise<void> {
  const env = await backend.up(replicaTopology(), { seed: 3 });
  try {
    assert.ok(await until(() => streamsToBoth(env), 15_000), 'the primary streams to both replicas');
    const ledger = new FaultLedger();
    const record = await ledger.inject(replicaFailure(env, 'db-replica-2'));
    assert.equal(env.control('db-replica-2').alive(), false);
    assert.deepEqual(await streamingTo(env, 'db'), ['db-replica-1']);
    assert.match(record.evidence.join('\n'), /db-replica-2 was alive, received SIGKILL/);
    await new Promise((r) => setTimeout(r, 1_000));
    // The replica that is down has no figure; the other one keeps up.
    const during = await measureLag(env, 'db', ['db-replica-1', 'db-replica-2']);
    assert.equal(typeof during[0]!.bytes, 'number');
    assert.ok(during[1]!.error, 'a replica that is down has no lag figure');
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.state, 'undone');
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(
      record.felt!.evidence,
      /the system wrote on db while db-replica-2 was down: \d+ write transaction\(s\), \d+ bytes of WAL/,
    );
    assert.ok(await streamsToBoth(env), 'the replica rejoined and streams again');
    assert.equal(await inRecovery(env, 'db-replica-2'), true);
    assert.ok(
      await until(async () => (await measureLag(env, 'db', ['db-replica-2']))[0]!.bytes! < 1_000_000, 10_000),
      'it caught up',
    );
    assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  } finally {
    await env.down();
  }
}

export async function failoverScenario(backend: Backend): Promise<void> {
  const env = await backend.up(replicaTopology(), { seed: 4 });
  try {
    assert.ok(await until(() => streamsToBoth(env), 15_000), 'the primary streams to both replicas');
    const link = proxyName({ from: 'writer', to: 'db' });
    const before = (await env.toxiproxy.proxy(link)).upstream;
    const ledger = new FaultLedger();
    const record = await ledger.inject(failover(env, 'db', 'db-replica-1'));
    assert.equal(env.control('db').alive(), false);
    assert.equal(await inRecovery(env, 'db-replica-1'), false);
    assert.notEqual((await env.toxiproxy.proxy(link)).upstream, before);
    // The writer's own traffic reaches the promoted replica through its unchanged address.
    const start = await writes(env);
    assert.ok(
      await until(async () => (await writes(env)).ok > start.ok + 5, 10_000),
      'the writer writes again after the failover',
    );
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.state, 'undone', record.undoError);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(record.felt!.evidence, /writes landed on the promoted db-replica-1/);
    // The topology is restored: the primary back, the links on it, both replicas standbys streaming from it.
    assert.equal(await inRecovery(env, 'db'), false);
    assert.equal(await inRecovery(env, 'db-replica-1'), true);
    assert.equal((await env.toxiproxy.proxy(link)).upstream, before);
    assert.ok(await until(() => streamsToBoth(env), 15_000), 'both replicas follow the primary again');
    const resumed = await writes(env);
    assert.ok(
      await until(async () => (await writes(env)).ok > resumed.ok + 5, 10_000),
      'the writer writes to the primary again',
    );
    assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  } finally {
    await env.down();
  }
}

/** No writes while the replica is down: nothing was at stake, and the proof says so (an invalid experiment). */
export async function idleReplicaFailureScenario(backend: Backend): Promise<void> {
  const env = await backend.up(replicaTopology(0), { seed: 5 });
  try {
    assert.ok(await until(() => streamsToBoth(env), 15_000));
    const ledger = new FaultLedger();
    const record = await ledger.inject(replicaFailure(env, 'db-replica-1'));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, false);
    assert.match(
      ledger.withoutEffect()[0]!,
      /fault had no effect: the system wrote nothing on db while db-replica-1 was down/,
    );
  } finally {
    await env.down();
  }
}

/** A failover while nothing writes: no write of the system landed on the promoted replica — an invalid experiment. */
export async function idleFailoverScenario(backend: Backend): Promise<void> {
  const env = await backend.up(replicaTopology(0), { seed: 6 });
  try {
    assert.ok(await until(() => streamsToBoth(env), 15_000));
    const ledger = new FaultLedger();
    const record = await ledger.inject(failover(env, 'db', 'db-replica-1'));
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(await ledger.rollback(), []);
    assert.equal(record.felt?.ok, false);
    assert.match(
      ledger.withoutEffect()[0]!,
      /fault had no effect: .*no write of the system landed on the promoted db-replica-1 \(0 write transactions\)/,
    );
    assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  } finally {
    await env.down();
  }
}
