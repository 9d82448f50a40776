import { Given, When } from '@cucumber/cucumber';
import { awaitServicesAnswer } from '../support/checks/steady-state.ts';
import { crash } from '../support/faults/process/crash.ts';
import { loadSystem } from '../support/system/config.ts';
import { groupMembers } from '../support/system/topology.ts';
import { scaleWords, serviceWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

// Steps for any system, in the names of its own services and groups: bring it up and prove it answers,
// kill a service (network faults: network.steps.ts). The topology supplies every word.

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

const attach = (world: FaultlineWorld, fault: { description: string; evidence: string[] }) =>
  world.attach(`${fault.description}\n${fault.evidence.join('\n')}`, { mediaType: 'text/plain' });

When(
  /^(?:the )?(\S+) is killed with SIGKILL(?: for (.+))?$/,
  async function (this: FaultlineWorld, target: string, lasting?: string) {
    serviceWord(this.env.topology, target);
    const durationMs = lasting == null ? undefined : this.duration(lasting);
    attach(this, await this.faults.inject({ ...crash(this.env, target), durationMs }));
  },
);
