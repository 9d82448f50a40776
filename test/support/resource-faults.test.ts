// Every resource fault against real processes and real cgroups (small HTTP services of
// test/helpers/resource-service.mjs) of the local backend, or of the containers backend with
// FAULTLINE_BACKEND=containers: apply, proof from the kernel's accounting, the traffic proof, undo, verified
// clean — no group of the run left, every process back in the group it came from, every limit as it was,
// no hog or holder alive. And the bounds: a figure beyond this machine is refused, named.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { containersBackend } from '../../support/env/containers/backend.ts';
import type { Environment } from '../../support/env/environment.ts';
import { localBackend } from '../../support/env/local/backend.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { boundCpu, boundMemory } from '../../support/faults/resource/bounds.ts';
import { groupOf, groupsLeft } from '../../support/faults/resource/cgroup.ts';
import { cpuHog, cpuQuota } from '../../support/faults/resource/cpu.ts';
import { openFilesExhaustion } from '../../support/faults/resource/files.ts';
import { connectionLeak } from '../../support/faults/resource/leak.ts';
import { memoryLimit, memoryPressure } from '../../support/faults/resource/memory.ts';
import { alive, openFiles, openFilesLimit } from '../../support/faults/resource/procfs.ts';
import { cpuWords, leakWords, memoryWords } from '../../support/faults/resource/words.ts';
import type { ProcessService, RestartPolicy, Topology } from '../../support/system/topology.ts';

const SCRIPT = fileURLToPath(new URL('../helpers/resource-service.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONTAINERS = process.env.FAULTLINE_BACKEND === 'containers';
const backend = CONTAINERS ? containersBackend : localBackend;
const CALLED = ['api', 'busy'];

const declared = (
  name: string,
  extra: { env?: ProcessService['env']; restart?: RestartPolicy; dependsOn?: string[] } = {},
): ProcessService => ({
  kind: 'process',
  name,
  command: ['node', SCRIPT],
  cwd: ROOT,
  portEnv: 'PORT',
  readiness: { kind: 'log', pattern: /listening/, timeoutMs: 20_000 },
  dependsOn: extra.dependsOn ?? [],
  env: extra.env ?? (() => ({})),
  ...(extra.restart ? { restart: extra.restart } : {}),
});

const topology: Topology = {
  name: 'resources',
  services: [
    declared('api'),
    declared('busy', { env: () => ({ BURN: '1' }) }),
    declared('grower', {
      env: () => ({ GROW: '1' }),
      restart: { policy: 'on-failure', backoff: { initialMs: 100, maxMs: 400, resetMs: 60_000 } },
    }),
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

const pids = async (service: string) => (await env.control(service).processes?.()) ?? [];

/** Applies the fault, lets it hold, rolls back; the record, checked clean and with no group of the run left. */
async function run(spec: Parameters<FaultLedger['inject']>[0], holdMs = 800) {
  const ledger = new FaultLedger();
  const record = await ledger.inject(spec);
  await new Promise((r) => setTimeout(r, holdMs));
  assert.deepEqual(await ledger.rollback(), []);
  while (record.stoppedAt === undefined) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  assert.deepEqual(groupsLeft(process.pid), [], 'no cgroup of the run is left');
  return record;
}

describe('resource faults on real processes and cgroups', { timeout: 120_000 }, () => {
  test('CPU quota: the quota read back, the busy service throttled (felt), its group as before after', async () => {
    const [pid] = await pids('busy');
    const was = groupOf(pid!, 'cpu');
    const record = await run(cpuQuota(env, ['busy'], { phrase: 'busy', share: 0.05, text: '5%' }));
    assert.match(
      record.evidence[0]!,
      /^busy \(pids \d+.*\): cpu\.cfs_quota_us 5000 per cpu\.cfs_period_us 100000 in \/sys\/fs\/cgroup\/cpu\//,
    );
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    const used = Number(record.felt!.evidence.match(/used ([\d.]+)% of a CPU per wall second/)?.[1]);
    // Held to 5 %: measured, with room for the period the quota was set in.
    assert.ok(used <= 15, `busy used ${used}% of a CPU under a 5% quota`);
    assert.match(record.felt!.evidence, /throttled in [1-9]\d* periods/);
    assert.equal(groupOf(pid!, 'cpu'), was);
  });

  test('CPU quota on a service that uses no CPU is not felt: an invalid experiment', async () => {
    const record = await run(cpuQuota(env, ['api'], { phrase: 'api', share: 0.5, text: '50%' }), 300);
    assert.equal(record.felt?.ok, false);
    assert.match(record.felt!.evidence, /^the system never pushed against the quota: api used/);
  });

  test('CPU hog: burns beside the service in its group, on its one CPU; killed at undo', async () => {
    const record = await run(cpuHog(env, ['busy'], { phrase: 'busy' }));
    assert.match(
      record.evidence[0]!,
      /^busy \(pids [\d, ]+\) confined to CPU \d+ \(cpuset\.cpus in .*\); beside it (stress-ng --cpu 1 --cpu-load 100|a busy loop.*) \(pid (\d+)\) in the same group used [\d.]+% of that CPU per wall second$/,
    );
    const hog = Number(record.evidence[0]!.match(/\(pid (\d+)\) in the same group/)?.[1]);
    assert.equal(alive(hog), false, 'the hog is gone');
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
  });

  test('memory cap: the growing service is OOM-killed, recorded, and started again by its restart policy', async () => {
    const before = env.control('grower').incarnation();
    const record = await run(
      memoryLimit(env, ['grower'], { phrase: 'grower', bytes: 8_000_000, text: '8 MB', aboveUse: true }),
      1_500,
    );
    assert.match(
      record.evidence[0]!,
      /^grower \(pids .*\): memory\.limit_in_bytes \d+ \([\d.]+ MB\) in \/sys\/fs\/cgroup\/memory\//,
    );
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(
      record.felt!.evidence,
      /hit the limit [1-9]\d* times, [1-9]\d* OOM kills? in its group|killed /,
    );
    assert.notEqual(env.control('grower').incarnation(), before, 'a new process after the OOM kill');
    assert.ok(env.control('grower').alive());
  });

  test('memory pressure: the group grows by what the holder holds; the holder is gone after', async () => {
    const record = await run(
      memoryPressure(env, ['api'], { phrase: 'api', bytes: 32_000_000, text: '32 MB' }),
    );
    const m = record.evidence[0]!.match(
      /used ([\d.]+) (KB|MB) before and ([\d.]+) MB with faultline's holder \(pid (\d+)\) holding 32 MB/,
    );
    assert.ok(m, record.evidence[0]);
    assert.equal(alive(Number(m[4])), false);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
  });

  test('connection leak: connections and the service’s descriptors grow at the rate; all closed after', async () => {
    const [pid] = await pids('api');
    const fds = openFiles(pid!);
    const record = await run(
      connectionLeak(env, ['api'], { phrase: 'api', perSecond: 20, forMs: 1_000 }),
      1_200,
    );
    const held = Number(record.evidence.join('\n').match(/held (\d+) connections open at the end/)?.[1]);
    assert.ok(held >= 15 && held <= 25, `held ${held} after 1 s at 20 per second`);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(openFiles(pid!) <= fds + 3, 'the service’s descriptors are back');
  });

  test('open files: the limit below the use, read back; the limit as it was after', async () => {
    const [pid] = await pids('api');
    const was = openFilesLimit(pid!);
    const record = await run(openFilesExhaustion(env, ['api'], { phrase: 'api' }));
    const m = record.evidence[0]!.match(/holds (\d+) open files; its limit lowered from \S+ to (\d+):(\d+)/);
    assert.ok(m && Number(m[2]) < Number(m[1]), record.evidence[0]);
    assert.deepEqual(openFilesLimit(pid!), was);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
  });
});

describe('resource faults stacked on one service', { timeout: 120_000 }, () => {
  test('memory held inside a cap counts against the cap; undone in any order, the service is back where it was', async () => {
    const [pid] = await pids('api');
    const was = { memory: groupOf(pid!, 'memory'), cpu: groupOf(pid!, 'cpu') };
    const ledger = new FaultLedger();
    const cap = await ledger.inject(
      memoryLimit(env, ['api'], { phrase: 'api', bytes: 64_000_000, text: '64 MB', aboveUse: true }),
    );
    const held = await ledger.inject(
      memoryPressure(env, ['api'], { phrase: 'api', bytes: 16_000_000, text: '16 MB' }),
    );
    const capGroup = cap.evidence[0]!.match(/in (\/sys\/fs\/cgroup\/memory\/\S+),/)?.[1];
    assert.ok(capGroup && held.evidence[0]!.includes(`its group ${capGroup} used`), held.evidence[0]);
    // Holding more than the cap leaves room for is refused, naming the service's limit.
    await assert.rejects(
      ledger.inject(memoryPressure(env, ['api'], { phrase: 'api', bytes: 100_000_000, text: '100 MB' })),
      /holding 100 MB in the group of api is more than its group may hold: the service's limit is [\d.]+ MB/,
    );
    const first = await ledger.inject(cpuQuota(env, ['api'], { phrase: 'api', share: 0.5, text: '50%' }));
    await ledger.inject(cpuQuota(env, ['api'], { phrase: 'api', share: 0.2, text: '20%' }));
    // The older of each pair first: the newer one's undo finds the group it came from gone.
    await ledger.heal(cap);
    await ledger.heal(first);
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual(groupsLeft(process.pid), []);
    assert.deepEqual({ memory: groupOf(pid!, 'memory'), cpu: groupOf(pid!, 'cpu') }, was);
    assert.deepEqual(await verifyClean(env, 2_000, ledger.records), []);
  });
});

describe('resource figures are bounded by this machine', () => {
  test('memory beyond 85% of the machine is refused, naming both figures', () => {
    assert.throws(
      () => boundMemory(30e9, 'memory pressure of 30 GB', 24e9),
      /memory pressure of 30 GB is 30\.0 GB, more than this machine can give: 85% of its memory is 20\.4 GB \(of 24\.0 GB\); name at most 20\.4 GB/,
    );
    assert.throws(() => memoryWords('64 parsecs', 'a memory cap'), /'64 parsecs' is not a size/);
  });

  test('a CPU quota above the machine’s cores, or of nothing, is refused', () => {
    assert.throws(
      () => boundCpu(3, '300%', 2),
      /a CPU quota of 300% is more than this machine has: it has 2 CPUs \(200% of a CPU\)/,
    );
    assert.throws(() => cpuWords('0%'), /holds the service to nothing/);
    assert.throws(() => cpuWords('150%'), /'150%' is not a percentage/);
  });

  test('a leak rate is a whole number from 1 to 1000', () => {
    assert.throws(() => leakWords('lots', '2 s'), /'lots' is not a leak rate: write a whole number/);
    assert.throws(() => leakWords('5000', '2 s'), /from 1 to 1000/);
    assert.deepEqual(leakWords('20', '2 seconds'), { perSecond: 20, forMs: 2000 });
  });
});
