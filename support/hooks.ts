import 'allure-cucumberjs';
import { After, Before, BeforeAll, setDefaultTimeout, setParallelCanAssign } from '@cucumber/cucumber';
import { claimOwnership, sweepDeadRuns } from './cleanup/leftovers.ts';
import { live } from './cleanup/live.ts';
import { residue } from './cleanup/residue.ts';
import { interruptWorkers, joinInterrupts } from './cleanup/threads.ts';
import { inspectAfterRollback } from './faults/clean.ts';
import { attachChaosMetrics, checkAfterRollback, stopHypothesis } from './observe/scenario.ts';
import { attachEvidence } from './report/evidence.ts';
import { canAssign } from './run/serial.ts';
import { ONCE_PER_RUN } from './run/workers.ts';
import type { FaultlineWorld } from './world.ts';

// Scenarios run real experiments: bringing a topology up, holding a fault and waiting out a recovery take
// seconds, not the 5 s default.
setDefaultTimeout(120_000);

// In a parallel run (the `ci` profile), a scenario tagged @serial runs with no other beside it.
setParallelCanAssign(canAssign);

// Every process this run starts carries its owner from here on, so a later run can tell our leftovers
// (after a SIGKILL) from another live run's processes.
claimOwnership();

// What runs killed with SIGKILL left (orphaned processes, temp dirs, labelled containers) goes before
// anything of ours starts; what a live run owns is never touched. Once per run, in the coordinator before any
// worker starts: parallel workers sweeping the same leftovers at once would trip over each other's removals.
BeforeAll({ timeout: 60_000, ...ONCE_PER_RUN }, async () => {
  await sweepDeadRuns();
});

Before(function (this: FaultlineWorld, { pickle }) {
  this.scenario = pickle.name;
  live.trackFaults(this.faults);
});

// Rollback: undo every fault newest-first, prove the environment is clean, attach the evidence, tear down.
// Runs whether the scenario passed, failed, a step threw half-way or timed out (a fault still being applied
// by the abandoned step is waited for, then undone: support/faults/ledger.ts).
After(
  { name: 'Rollback, evidence, teardown', timeout: 60_000 },
  async function (this: FaultlineWorld, { result }) {
    const problems: string[] = [];
    // A service that died on its own is the system failing under the experiment, not our rollback failing.
    const findings: string[] = [];
    try {
      // The continuous hypothesis ends where the method ends; it is checked once more after the rollback.
      await stopHypothesis(this);
      live.releaseFaults(this.faults);
      problems.push(...(await this.faults.rollback()));
      if (this.hasEnv) {
        const after = await inspectAfterRollback(this.env, this.faults.records);
        findings.push(...after.findings);
        problems.push(...after.problems);
      }
      findings.push(...(await checkAfterRollback(this)));
      await attachEvidence(this, [...findings, ...problems]);
    } finally {
      await this.down();
    }
    // A fault the system's traffic never met proved nothing: the scenario is an invalid experiment (an Error,
    // not an assertion, so the report files it under 'Invalid experiment', not under product defects).
    const failures = this.faults.withoutEffect();
    if (findings.length > 0)
      failures.push(`the system broke during the experiment:\n- ${findings.join('\n- ')}`);
    if (problems.length > 0)
      failures.push(`rollback left the environment dirty:\n- ${problems.join('\n- ')}`);
    await attachChaosMetrics(this, failures.length > 0 ? 'FAILED' : (result?.status ?? 'UNKNOWN'));
    if (failures.length > 0) throw new Error(failures.join('\n'));
  },
);

// An interrupted run never reaches the After hooks: undo the faults, stop everything here, exit non-zero.
// In a parallel run the signal reaches the main thread only; each worker thread tears down what it started
// when the main thread relays the interrupt (support/cleanup/threads.ts).
async function stopEverything(): Promise<void> {
  // Steps go on running while the teardown awaits: from here they may not make new temp dirs.
  residue.close();
  // Orderly teardown first; whatever it did not reach (a topology half up) is swept after it.
  await Promise.race([live.releaseAll(), new Promise((r) => setTimeout(r, 10_000))]);
  await residue.sweep();
}
joinInterrupts(stopEverything);

// `on`, not `once`: signal-exit (loaded with Testcontainers) re-raises the signal — killing the runner before
// any cleanup — when it finds itself the only listener, which a `once` listener no longer is once it fires.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      process.stderr.write(
        `faultline: ${signal} again: still rolling back and removing what the run started\n`,
      );
      return;
    }
    stopping = true;
    const exit = () => process.exit(signal === 'SIGINT' ? 130 : 143);
    // The workers' own teardown is capped at 10 s before their sweep (stopEverything): wait for that and more.
    void Promise.allSettled([stopEverything(), interruptWorkers(30_000)]).finally(exit);
  });
}
