import { test } from 'node:test';
import { localBackend } from '../../support/env/local/backend.ts';
import {
  failoverScenario,
  idleFailoverScenario,
  idleReplicaFailureScenario,
  replicaFailureScenario,
} from './replica-scenarios.ts';

// Replica faults against real Postgres processes (the local backend): apply, proof, traffic proof, undo,
// verified clean.

test(
  'a replica fails: gone, no longer streamed to, the writes it missed counted; it rejoins and catches up',
  {
    timeout: 90_000,
  },
  () => replicaFailureScenario(localBackend),
);

test(
  'a failover: primary killed, replica promoted, the link moved and the writes land there; undone to the original topology',
  {
    timeout: 120_000,
  },
  () => failoverScenario(localBackend),
);

test(
  'a replica that fails while the system writes nothing proves nothing: the traffic proof fails',
  {
    timeout: 60_000,
  },
  () => idleReplicaFailureScenario(localBackend),
);

test(
  'a failover while the system writes nothing proves nothing: the traffic proof fails',
  {
    timeout: 90_000,
  },
  () => idleFailoverScenario(localBackend),
);
