import { Then, When } from '@cucumber/cucumber';
import { auditShows } from '../support/checks/audit.ts';
import { trafficShifted } from '../support/checks/traffic.ts';
import { latency } from '../support/faults/network/latency.ts';
import { pickMembers } from '../support/faults/targets.ts';
import { requireAdapter, requireEvents } from '../support/system/system.ts';
import { coordinatedWords, coordinatorAndMember, membersOf, memberWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { attachFault, holdingMs, judge } from './judge.ts';

When(
  /^(\d+) of the (\S+?)'s (\S+) respond (.+?) slower(?: for (.+))?$/,
  async function (
    this: FaultlineWorld,
    count: string,
    coordinator: string,
    groupText: string,
    delay: string,
    lasting?: string,
  ) {
    const { group } = coordinatedWords(this.env.topology, coordinator, Number(count), groupText);
    const delayMs = this.duration(delay);
    const durationMs = holdingMs(this, lasting);
    const targets = await pickMembers(this, coordinator, group, Number(count));
    const faults = await Promise.all(
      targets.map((t) => this.faults.inject(latency(this.env, coordinator, t, delayMs, durationMs))),
    );
    for (const fault of faults) attachFault(this, fault);
  },
);

/** The latency faults on members of the group `member` names, and the system's breaker openings since. */
async function breakerOpenings(world: FaultlineWorld, member: string, step: string) {
  const members = membersOf(world.env.topology, memberWord(world.env.topology, member));
  const faults = world.faults.records.filter(
    (f) => f.kind === 'latency' && f.startedAt !== undefined && f.targets.some((t) => members.includes(t)),
  );
  const opened = requireEvents(world.system, 'breaker', step);
  const audit = requireAdapter(world.system, 'audit', step);
  // No slowed member: nothing to read (and no start time to read from); the verdicts say so.
  if (faults.length === 0) return { members, faults, opened, events: [] };
  const since = Math.min(...faults.map((f) => f.startedAt as number));
  const events = (await audit(world.env, since)).filter((e) => opened.includes(e.event));
  return { members, faults, opened, events };
}

Then(
  'the {word} opens the breaker of the slow {word}',
  async function (this: FaultlineWorld, coordinator: string, member: string) {
    coordinatorAndMember(this.env.topology, coordinator, member);
    const step = `"the … opens the breaker of the slow ${member}"`;
    const { faults, opened, events } = await breakerOpenings(this, member, step);
    judge(this, auditShows(events, opened, faults, `latency on a ${member}`));
  },
);

Then('traffic shifts away from the slow {word}', async function (this: FaultlineWorld, member: string) {
  const { members, faults, events } = await breakerOpenings(
    this,
    member,
    `"traffic shifts away from the slow ${member}"`,
  );
  if (faults.length === 0)
    judge(this, {
      check: `traffic shifts away from the slow ${member}`,
      pass: false,
      message: `no ${member} was slowed in this scenario — there is no slow ${member} for traffic to shift away from, so nothing is proven`,
      figures: { faults: 0 },
    });
  for (const fault of faults)
    for (const target of fault.targets.filter((t) => members.includes(t))) {
      const opened = events.find((e) => e.subject === target)?.at;
      judge(this, trafficShifted(this.history.operations, target, members, fault.startedAt ?? 0, opened));
    }
});
