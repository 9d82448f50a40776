import { Given } from '@cucumber/cucumber';
import { awaitServicesAnswer } from '../support/checks/steady-state.ts';
import { loadSystem } from '../support/system/config.ts';
import { groupMembers } from '../support/system/topology.ts';
import { scaleWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

// Steps for any system, in the names of its own services and groups: bring it up and prove it answers. The
// topology supplies every word. (Faults: network.steps.ts on links, process.steps.ts on services.)

async function running(world: FaultlineWorld, scale: Record<string, number>) {
  await world.up(scale);
  for (const [group, count] of Object.entries(scale)) {
    const members = groupMembers(world.env.topology, group);
    if (members.length !== count)
      throw new Error(`the system has ${members.length} ${group}, the step asked for ${count}`);
  }
  const evidence = await awaitServicesAnswer(world.env);
  world.attach(evidence.join('\n'), { mediaType: 'text/plain', fileName: 'steady-state.txt' });
}

Given('the system is running', async function (this: FaultlineWorld) {
  await running(this, {});
});

Given(
  'the system is running with {int} {word}',
  async function (this: FaultlineWorld, count: number, group: string) {
    // Checked against the system as declared, before anything starts.
    const declared = (await loadSystem({}, { system: this.parameters?.system })).system.topology;
    await running(this, scaleWords(declared, count, group));
  },
);
