import { Then } from '@cucumber/cucumber';
import { auditShows } from '../support/checks/audit.ts';
import { succeededWithin } from '../support/checks/outcome.ts';
import { retriedOnAlternate } from '../support/checks/retry.ts';
import { requireAdapter, requireEvents } from '../support/system/system.ts';
import { coordinatorAndMember, membersOf } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge, settle } from './judge.ts';

Then(
  'the {word} retries on an alternate {word}',
  function (this: FaultlineWorld, coordinator: string, member: string) {
    const { group } = coordinatorAndMember(this.env.topology, coordinator, member);
    const members = membersOf(this.env.topology, group);
    const faulted = [
      ...new Set(this.faults.records.flatMap((f) => f.targets).filter((t) => members.includes(t))),
    ];
    judge(this, retriedOnAlternate(this.history.last(), { coordinator, group, members, faulted }));
  },
);

Then('the request succeeds within {duration}', function (this: FaultlineWorld, boundMs: number) {
  judge(this, succeededWithin(this.history.last(), boundMs));
});

Then('the audit log shows the {word} event', async function (this: FaultlineWorld, kind: string) {
  const step = `"the audit log shows the ${kind} event"`;
  const expected = requireEvents(this.system, kind, step);
  const audit = requireAdapter(this.system, 'audit', step);
  const faults = this.faults.records.filter((f) => f.kind === kind);
  const since = Math.min(this.startedAt, ...faults.map((f) => f.startedAt ?? this.startedAt));
  // The system writes its audit rows asynchronously; give it a moment before judging.
  const verdict = await settle(async () => auditShows(await audit(this.env, since), expected, faults, kind), {
    until: Date.now() + 3_000,
    everyMs: 200,
    waiting: faults.length > 0,
  });
  judge(this, verdict);
});
