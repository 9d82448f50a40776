import { Given, When } from '@cucumber/cucumber';
import { awaitServicesAnswer } from '../support/checks/steady-state.ts';
import { latency } from '../support/faults/network/latency.ts';
import { partition } from '../support/faults/network/partition.ts';
import { loadSystem } from '../support/system/config.ts';
import { groupMembers } from '../support/system/topology.ts';
import { linkedWords, linkWords, scaleWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

// Steps for any system, in the names of its own services and groups: bring it up and prove it answers,
// cut or slow a link between two services. The topology supplies every word. (Process faults on services:
// process.steps.ts.)

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
  /^the network between (?:the )?(\S+) and (?:the )?(?!\d+ of its )(\S+) is partitioned(?: for (.+))?$/,
  async function (this: FaultlineWorld, a: string, b: string, lasting?: string) {
    linkedWords(this.env.topology, a, b);
    const durationMs = lasting == null ? undefined : this.duration(lasting);
    attach(this, await this.faults.inject(partition(this.env, a, b, durationMs)));
  },
);

When(
  /^the link from (?:the )?(\S+) to (?:the )?(\S+) is slowed by (.+?)(?: for (.+))?$/,
  async function (this: FaultlineWorld, from: string, to: string, delay: string, lasting?: string) {
    linkWords(this.env.topology, from, to);
    const durationMs = lasting == null ? undefined : this.duration(lasting);
    attach(this, await this.faults.inject(latency(this.env, from, to, this.duration(delay), durationMs)));
  },
);
