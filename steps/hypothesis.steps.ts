import { type DataTable, Given, Then } from '@cucumber/cucumber';
import { isolatedTo } from '../support/observe/blast-radius.ts';
import {
  caughtWithin,
  heldAgainWithin,
  heldThroughout,
  restoredAfter,
} from '../support/observe/hypothesis-verdicts.ts';
import { requireHypothesis, startHypothesis } from '../support/observe/scenario.ts';
import { subjectWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge } from './judge.ts';

// The steady-state hypothesis as a table of probes with tolerances, and the verdicts over its readings.
// The table's words are checked before anything is read (support/observe/probe.ts); the reading and the
// judging live in support/observe/.

Given(
  'the steady-state hypothesis, checked every {duration}:',
  async function (this: FaultlineWorld, intervalMs: number, table: DataTable) {
    await startHypothesis(this, intervalMs, table.raw());
  },
);

Then('the steady-state hypothesis held throughout', function (this: FaultlineWorld) {
  judge(this, heldThroughout(requireHypothesis(this), this.faults.records));
});

Then(
  'the steady-state hypothesis catches each fault within {duration}',
  function (this: FaultlineWorld, boundMs: number) {
    judge(this, caughtWithin(requireHypothesis(this), this.faults.records, boundMs));
  },
);

Then(
  'the steady-state hypothesis holds again within {duration} after the faults are rolled back',
  { timeout: 180_000 },
  async function (this: FaultlineWorld, boundMs: number) {
    const h = requireHypothesis(this);
    // "Rolled back": a fault still holding is undone now, as the rollback would.
    for (const fault of this.faults.active()) await this.faults.heal(fault);
    const removedAt = Math.max(...this.faults.records.map((f) => f.stoppedAt ?? 0));
    if (removedAt > 0)
      while (restoredAfter(h, removedAt) === undefined && Date.now() < removedAt + boundMs + 1_000)
        if (h.running) await new Promise((r) => setTimeout(r, Math.min(h.intervalMs, 100)));
        else await h.round('after');
    judge(this, heldAgainWithin(h, removedAt > 0 ? removedAt : undefined, boundMs));
  },
);

Then('the failure stays isolated to {word}', function (this: FaultlineWorld, word: string) {
  const subject = subjectWord(this.env.topology, word);
  const allowed =
    subject.kind === 'service'
      ? [subject.name]
      : subject.kind === 'group'
        ? subject.members
        : this.env.topology.services.map((s) => s.name);
  judge(this, isolatedTo(requireHypothesis(this), this.faults.records, allowed, word));
});
