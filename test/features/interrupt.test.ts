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

/** The few fields of cucumber's message envelopes this test reads. */
interface Envelope {
  pickle?: { steps: { id: string; text: string }[] };
  testCase?: { testSteps: { id: string; pickleStepId?: string }[] };
  testStepStarted?: { testStepId: string };
}

/** Texts of the steps that have started so far, read from cucumber's message stream. */
function startedSteps(messagesFile: string): string[] {
  let text = '';
  try {
    text = readFileSync(messagesFile, 'utf8');
  } catch {
    return [];
  }
  const stepText = new Map<string, string>();
  const testStepToText = new Map<string, string>();
  const started: string[] = [];
  for (const line of text.split('\n')) {
    let message: Envelope;
    try {
      message = JSON.parse(line);
    } catch {
      continue; // the last line may still be being written
    }
    for (const step of message.pickle?.steps ?? []) stepText.set(step.id, step.text);
    for (const step of message.testCase?.testSteps ?? [])
      if (step.pickleStepId) testStepToText.set(step.id, stepText.get(step.pickleStepId) ?? '');
    const id = message.testStepStarted?.testStepId;
    if (id && testStepToText.has(id)) started.push(testStepToText.get(id)!);
  }
  return started;
}

// Ctrl-C at different moments of the experiment, located by what the run is doing rather than by the clock
// (a loaded machine shifts every timing): while the topology comes up, while the fault is being injected,
// and while the client's request is in flight under the fault. Afterwards nothing of the run may be left.
const moments: { name: string; step: RegExp; settleMs: number }[] = [
  { name: 'while the topology comes up', step: /^a healthy/, settleMs: 300 },
  { name: 'while the fault is injected', step: /is partitioned for/, settleMs: 100 },
  { name: 'while the request is in flight', step: /^a client submits/, settleMs: 500 },
];

for (const moment of moments) {
  test(`SIGINT ${moment.name} leaves no process and no temp dir behind`, { timeout: 90_000 }, async () => {
    const marker = `FAULTLINE_TEST_RUN=${process.pid}-${Date.now()}`;
    const tmp = mkdtempSync(join(tmpdir(), 'faultline-interrupt-'));
    const messages = join(tmpdir(), `faultline-interrupt-messages-${process.pid}-${Date.now()}.ndjson`);
    try {
      const run = runCucumber(['features/network/partition.feature', '--format', `message:${messages}`], {
        FAULTLINE_TEST_RUN: marker.split('=')[1],
        TMPDIR: tmp,
      });
      const reached = await until(() => startedSteps(messages).some((s) => moment.step.test(s)), 60_000);
      assert.ok(reached, `the run never got ${moment.name}:\n${run.output()}`);
      await new Promise((r) => setTimeout(r, moment.settleMs));
      const live = processesOf(marker).length;
      run.child.kill('SIGINT');
      const result = await run.done;
      assert.ok(
        live > 1,
        `nothing of the run was running when interrupted, so this proves nothing:\n${result.output}`,
      );
      assert.ok(
        result.code !== 0 || result.signal !== null,
        `an interrupted run must not exit 0:\n${result.output}`,
      );
      const clean = await until(() => processesOf(marker).length === 0, 5_000);
      assert.ok(clean, `left behind: ${processesOf(marker).join(', ')}\n${result.output}`);
      assert.deepEqual(readdirSync(tmp), [], `temp dirs left behind:\n${result.output}`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(messages, { force: true });
    }
  });
}
