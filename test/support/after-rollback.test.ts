import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Environment, ServiceControl } from '../../support/env/environment.ts';
import { LocalProcess } from '../../support/env/local/process.ts';
import { inspectAfterRollback } from '../../support/faults/clean.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Topology } from '../../support/system/topology.ts';
import { inertControl } from '../helpers/control.ts';

// After rollback, a service that is not running is either the system's failure (it exited on its own: a
// product finding) or ours (a kill fault whose undo did not bring it back: a rollback problem). The
// processes here are real; only the environment around them is reduced to what the inspection reads.

async function exitedProcess(code: number): Promise<LocalProcess> {
  const proc = new LocalProcess({
    name: 'api',
    command: process.execPath,
    args: ['-e', `process.exit(${code})`],
  });
  await proc.start();
  assert.ok(await proc.waitForExit(10_000), 'the test process exits');
  return proc;
}

function environment(proc: LocalProcess): Environment {
  const topology: Topology = {
    name: 'shop',
    services: [{ kind: 'process', name: 'api', command: ['x'], cwd: '.', env: () => ({}), dependsOn: [] }],
    links: [],
    probes: {},
  } as unknown as Topology;
  const control: ServiceControl = {
    ...inertControl(),
    alive: () => proc.running,
    exited: () => (proc.running ? undefined : proc.exitInfo),
    kill: () => proc.kill(),
  };
  return {
    backend: 'local',
    topology,
    toxiproxy: { proxies: async () => [] },
    control: () => control,
  } as unknown as Environment;
}

const crash = (extra: Partial<FaultRecord>): FaultRecord => ({
  id: 1,
  kind: 'crash',
  description: 'api killed with SIGKILL',
  targets: ['api'],
  state: 'undone',
  startedAt: 0,
  evidence: [],
  ...extra,
});

test('a service that exited with no fault of ours killing it is a finding about the system', async () => {
  const proc = await exitedProcess(3);
  const after = await inspectAfterRollback(environment(proc), []);
  assert.deepEqual(after.problems, []);
  assert.deepEqual(after.findings, [
    'service api exited during the experiment (code 3, signal null) and was not brought back: no fault of this scenario killed it',
  ]);
});

test('a service a crash fault killed and its undo did not restart is a rollback problem', async () => {
  const proc = await exitedProcess(0);
  const failed = crash({ state: 'undo-failed', stoppedAt: Date.now(), undoError: 'restart timed out' });
  const after = await inspectAfterRollback(environment(proc), [failed]);
  assert.deepEqual(after.findings, []);
  assert.equal(after.problems.length, 1);
  assert.match(
    after.problems[0]!,
    /service api is not running .*the undo of "api killed with SIGKILL" did not bring it back \(restart timed out\)/,
  );
});

test('a service that died again after its crash fault was undone is a finding, not a rollback problem', async () => {
  const undoneBefore = Date.now() - 60_000;
  const proc = await exitedProcess(1);
  const after = await inspectAfterRollback(environment(proc), [crash({ stoppedAt: undoneBefore })]);
  assert.deepEqual(after.problems, []);
  assert.match(after.findings[0]!, /service api exited during the experiment \(code 1, signal null\)/);
});

test('a fault of another kind on the service does not excuse its exit', async () => {
  const proc = await exitedProcess(2);
  const latency = crash({ kind: 'latency', state: 'active', description: 'latency on api' });
  const after = await inspectAfterRollback(environment(proc), [latency]);
  assert.equal(after.findings.length, 1);
  assert.deepEqual(after.problems, []);
});
