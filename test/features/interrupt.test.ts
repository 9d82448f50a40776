import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCucumber } from './cucumber-run.ts';

/** Pids of live processes whose environment carries this run's marker (children inherit it). */
function processesOf(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return predicate();
}

// Ctrl-C at different moments of the experiment: while the environment comes up, once the fault is in
// place, and while the verdict is being judged. Afterwards nothing of the run may be left.
for (const delayMs of [700, 2_500, 4_000]) {
  test(`SIGINT ${delayMs} ms into a run leaves no process and no temp dir behind`, {
    timeout: 60_000,
  }, async () => {
    const marker = `FAULTLINE_TEST_RUN=${process.pid}-${delayMs}-${Date.now()}`;
    const tmp = mkdtempSync(join(tmpdir(), 'faultline-interrupt-'));
    try {
      const run = runCucumber(['features/network/partition.feature'], {
        FAULTLINE_TEST_RUN: marker.split('=')[1],
        TMPDIR: tmp,
      });
      await new Promise((r) => setTimeout(r, delayMs));
      run.child.kill('SIGINT');
      const result = await run.done;
      assert.ok(
        result.code !== 0 || result.signal !== null,
        `an interrupted run must not exit 0:\n${result.output}`,
      );
      const clean = await until(() => processesOf(marker).length === 0, 5_000);
      assert.ok(clean, `left behind: ${processesOf(marker).join(', ')}\n${result.output}`);
      assert.deepEqual(readdirSync(tmp), [], `temp dirs left behind:\n${result.output}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}
