import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mountsUnder } from '../../support/cleanup/mounts.ts';
import { containersBackend } from '../../support/env/containers/backend.ts';
import { usageOf } from '../../support/env/disk.ts';
import type { Backend, Environment } from '../../support/env/environment.ts';
import { localBackend } from '../../support/env/local/backend.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { BALLAST, diskFull } from '../../support/faults/resource/disk.ts';
import { withRedis } from '../../support/faults/stores/store.ts';
import { defineSystem, redis, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import { needsEngine } from '../containers/engine.ts';

// The disk fault against a real Redis on its data disk (a 4 MB tmpfs) and a process service with a disk of
// its own, on each backend: apply (the filesystem full, by statfs), the proof that the system felt it (Redis
// itself reports its append-only file's writes failing while something writes), undo (the ballast gone,
// Redis writing again), verified clean; the disks unmounted once the environment is down. And an invalid
// experiment: a full disk nothing wrote to proves nothing.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const root = process.getuid?.() === 0;

after(async () => {
  await containersBackend.shutdown().catch(() => undefined);
});

const { topology } = instantiate(
  defineSystem({
    services: [
      redis('cache', { disk: '4 MB' }),
      service('app', {
        command: ['node', 'test/helpers/process-service.mjs'],
        cwd: ROOT,
        env: (w) => ({ CALLS: `http://${w.address('cache')}/` }),
        disk: { env: 'DATA_DIR', size: '2 MB' },
      }),
    ],
  }),
  {},
  { name: 'disks', baseDir: ROOT, origin: 'test/support/disk-fault.test.ts' },
);

/** Writes to Redis as a system would, until stopped: each write an append to its AOF. */
function writer(env: Environment) {
  let going = true;
  const done = (async () => {
    let i = 0;
    while (going) {
      await withRedis(env, 'cache', (r) => r.set(`k${i++}`, 'x'.repeat(512))).catch(() => undefined);
      await sleep(20);
    }
  })();
  return async () => {
    going = false;
    await done;
  };
}

async function fillAndFree(t: TestContext, backend: Backend): Promise<void> {
  const env = await backend.up(topology, { seed: 1 });
  t.after(() => env.down());
  const disks = ['cache', 'app'].map((s) => env.disk?.(s));
  for (const d of disks) assert.ok(d && d.unmounted === undefined, 'each service has a disk of its own');
  assert.equal(env.disk?.('app')?.path !== undefined, true);

  // Redis: full while a writer writes; Redis reports it, the undo brings it back.
  const ledger = new FaultLedger();
  const stop = writer(env);
  const record = await ledger.inject(diskFull(env, 'cache', { percent: 100, text: '100%' }));
  const disk = env.disk!('cache')!;
  assert.match(
    record.evidence[0]!,
    /cache's data disk .* \(a tmpfs of 4\.\d MB\): .* \(100%\) with faultline's ballast of/,
  );
  assert.ok(usageOf(disk.path).free < 64 * 1024, 'the filesystem is full');
  await sleep(1_500);
  await ledger.rollback();
  await stop();
  const [fault] = ledger.records;
  assert.equal(fault?.felt?.ok, true, fault?.felt?.evidence);
  assert.match(
    fault!.felt!.evidence,
    /cache reported its append-only file's writes failing \(INFO persistence: aof_last_write_status:err\) \d+ ms after the disk filled/,
  );
  assert.equal(fault?.state, 'undone');
  assert.equal(existsSync(join(disk.path, BALLAST)), false, 'the ballast is gone');
  const status = await withRedis(env, 'cache', (r) => r.info('persistence'));
  assert.match(status, /aof_last_write_status:ok/);
  assert.equal(await withRedis(env, 'cache', (r) => r.set('after', '1')), 'OK', 'Redis takes writes again');

  // A process service's disk filled to a share: the filesystem's figures say so.
  const app = new FaultLedger();
  const half = await app.inject(diskFull(env, 'app', { percent: 50, text: '50%' }));
  const used = usageOf(env.disk!('app')!.path);
  assert.ok(used.used >= used.size * 0.5 && used.used < used.size * 0.6, `${used.used} of ${used.size}`);
  assert.match(half.evidence[0]!, /\(5\d%\) with faultline's ballast/);
  await app.rollback();
  assert.deepEqual(await verifyClean(env, 2_000, [...ledger.records, ...app.records]), []);

  // Nothing wrote on a full Redis disk: the fault proved nothing.
  const idle = new FaultLedger();
  await idle.inject(diskFull(env, 'cache', { percent: 100, text: '100%' }));
  await idle.rollback();
  assert.equal(idle.records[0]?.felt?.ok, false);
  assert.match(idle.records[0]!.felt!.evidence, /never failed to write its append-only file/);

  const paths = disks.map((d) => d!.path);
  await env.down();
  for (const p of paths) assert.deepEqual(mountsUnder(p), [], `${p} unmounted at teardown`);
}

describe('disk faults', { skip: root ? false : 'a data disk is a tmpfs: mounting it needs root' }, () => {
  test('local: Redis and a service on disks of their own, filled, felt, freed', { timeout: 120_000 }, (t) =>
    fillAndFree(t, localBackend),
  );
  test('containers: the same disks bind-mounted into the containers', { timeout: 180_000 }, async (t) => {
    if (!(await needsEngine(t))) return;
    await fillAndFree(t, containersBackend);
  });
});
