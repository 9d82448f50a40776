import { When } from '@cucumber/cucumber';
import { partition } from '../support/faults/network/partition.ts';
import { pickMembers } from '../support/faults/targets.ts';
import { coordinatedWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

When(
  'the network between the {word} and {int} of its {word} is partitioned for {duration}',
  async function (
    this: FaultlineWorld,
    coordinator: string,
    count: number,
    groupText: string,
    durationMs: number,
  ) {
    const { group } = coordinatedWords(this.env.topology, coordinator, count, groupText);
    const targets = await pickMembers(this, coordinator, group, count);
    const faults = await Promise.all(
      targets.map((target) => this.faults.inject(partition(this.env, coordinator, target, durationMs))),
    );
    for (const fault of faults)
      this.attach(`${fault.description}\n${fault.evidence.join('\n')}`, { mediaType: 'text/plain' });
  },
);
