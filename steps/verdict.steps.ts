import { Then } from '@cucumber/cucumber';
import { auditShows } from '../support/checks/audit.ts';
import { succeededWithin } from '../support/checks/outcome.ts';
import { retriedOnAlternate } from '../support/checks/retry.ts';
import { requireAdapter } from '../support/env/system.ts';
import { coordinatorAndMember } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge } from './judge.ts';

Then(
  'the {word} retries on an alternate {word}',
  function (this: FaultlineWorld, coordinator: string, member: string) {
    coordinatorAndMember(this.env.topology, coordinator, member);
    const faulted = this.faults.records.flatMap((f) => f.targets);
    judge(this, retriedOnAlternate(this.history.last(), faulted));
  },
);

Then('the request succeeds within {duration}', function (this: FaultlineWorld, boundMs: number) {
  judge(this, succeededWithin(this.history.last(), boundMs));
});

Then('the audit log shows the {word} event', async function (this: FaultlineWorld, kind: string) {
  const step = `"the audit log shows the ${kind} event"`;
  const faultEvents = requireAdapter(this.system, 'faultEvents', step);
  const audit = requireAdapter(this.system, 'audit', step);
  const expected = faultEvents[kind];
  if (!expected)
    throw new Error(
      `this system's audit log has no events for '${kind}' faults; known: ${Object.keys(faultEvents).join(', ')}`,
    );
  const faults = this.faults.records.filter((f) => f.kind === kind);
  const since = Math.min(this.startedAt, ...faults.map((f) => f.startedAt ?? this.startedAt));
  // The system writes its audit rows asynchronously; give it a moment before judging.
  const deadline = Date.now() + 3_000;
  let verdict = auditShows(await audit(this.env, since), expected, faults);
  while (!verdict.pass && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    verdict = auditShows(await audit(this.env, since), expected, faults);
  }
  judge(this, verdict);
});
