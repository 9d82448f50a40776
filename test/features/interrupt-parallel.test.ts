import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { release, startTarget, strike } from './interrupted.ts';
import { until } from './residue.ts';

// A parallel run (the `ci` profile's way) interrupted while both worker threads have a topology up and a
// fault held: the signal reaches the runner's main thread only, which has to have every worker thread tear
// down its own environment (support/cleanup/threads.ts) — nothing may be left, as in a serial run.

// Short names: Postgres puts its Unix socket in its temp dir, and a socket path may have at most 107 bytes.
const work = mkdtempSync(join(tmpdir(), 'fl-ip-'));
// Postgres runs as its own account and must reach its data dir under here (mkdtemp makes it 0700).
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} while two parallel workers hold a fault each leaves nothing behind`, async () => {
    const target = await startTarget(
      work,
      signal,
      // Two scenarios of the interrupt experiment with load and faults held for a while, one per worker.
      [
        '--parallel',
        '2',
        'test/features/interrupt/experiment.feature:50',
        'test/features/interrupt/experiment.feature:61',
      ],
      { externalProxy: false, seed: 1 },
    );
    try {
      // Both scenarios are under way once each has its system dir (its PKI, made as its topology starts).
      const count = (prefix: string) => readdirSync(target.tmp).filter((d) => d.startsWith(prefix)).length;
      const both = await until(() => count('faultline-system-') >= 2, 120_000, 100);
      assert.ok(both, `the two scenarios never ran side by side:\n${target.run.output()}`);
      // Then into their topologies: both have their first stores (Redis) up, processes start beside them.
      const stores = await until(() => count('faultline-redis-') >= 2, 60_000, 100);
      assert.ok(stores, `the two topologies never came up side by side:\n${target.run.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const what = await strike(target, signal, 'with two workers busy');
      process.stdout.write(`# ${signal}: ${what}\n`);
    } finally {
      await release(target);
    }
  });
}
