import { after, test } from 'node:test';
import { containersBackend } from '../../support/env/containers/backend.ts';
import { failoverScenario, replicaFailureScenario } from '../faults/replica-scenarios.ts';
import { needsEngine } from './engine.ts';

// Replica faults against real Postgres containers: replicas cloned with pg_basebackup over the network,
// a failover that moves the proxy's link to the promoted container, and back.

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

test('containers: a replica fails and rejoins, verified clean', { timeout: 180_000 }, async (t) => {
  if (!(await needsEngine(t))) return;
  await replicaFailureScenario(containersBackend);
});

test('containers: a failover and back, verified clean', { timeout: 180_000 }, async (t) => {
  if (!(await needsEngine(t))) return;
  await failoverScenario(containersBackend);
});
