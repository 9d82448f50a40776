import { Then, When } from '@cucumber/cucumber';
import { auditShows } from '../support/checks/audit.ts';
import { trafficShifted } from '../support/checks/traffic.ts';
import { requireAdapter } from '../support/env/system.ts';
import { latency } from '../support/faults/network/latency.ts';
import { pickMembers } from '../support/faults/targets.ts';
import { coordinatedWords, coordinatorAndMember, membersOf, memberWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge } from './judge.ts';

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
    const durationMs = lasting == null ? undefined : this.duration(lasting);
    const targets = await pickMembers(this, coordinator, group, Number(count));
    const faults = await Promise.all(
      targets.map((t) => this.faults.inject(latency(this.env, coordinator, t, delayMs, durationMs))),
    );
    for (const fault of faults)
      this.attach(`${fault.description}\n${fault.evidence.join('\n')}`, { mediaType: 'text/plain' });
  },
);

async function breakerOpenings(world: FaultlineWorld) {
  const faults = world.faults.records.filter((f) => f.kind === 'latency');
  const since = Math.min(...faults.map((f) => f.startedAt ?? world.startedAt));
  const audit = requireAdapter(world.system, 'audit', 'a breaker or traffic-shift verdict');
  const events = await audit(world.env, since);
  return { faults, events: events.filter((e) => e.event === 'breaker_open') };
}

Then(
  'the {word} opens the breaker of the slow {word}',
  async function (this: FaultlineWorld, coordinator: string, member: string) {
    coordinatorAndMember(this.env.topology, coordinator, member);
    const { faults, events } = await breakerOpenings(this);
    judge(this, auditShows(events, ['breaker_open'], faults));
  },
);

Then('traffic shifts away from the slow {word}', async function (this: FaultlineWorld, member: string) {
  const members = membersOf(this.env.topology, memberWord(this.env.topology, member));
  const { faults, events } = await breakerOpenings(this);
  for (const fault of faults)
    for (const target of fault.targets) {
      const opened = events.find((e) => e.subject === target)?.at;
      judge(this, trafficShifted(this.history.operations, target, members, fault.startedAt ?? 0, opened));
    }
});
