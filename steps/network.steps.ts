import { When } from '@cucumber/cucumber';
import { effectWords, NETWORK_FAULT_STEP } from '../support/faults/network/effects.ts';
import { failover } from '../support/faults/network/failover.ts';
import { networkFault } from '../support/faults/network/network-fault.ts';
import { partition } from '../support/faults/network/partition.ts';
import { splitBrain } from '../support/faults/network/split-brain.ts';
import { failoverWords, splitWords, whereWords } from '../support/faults/network/where.ts';
import { chooseTargets, pickMembers } from '../support/faults/targets.ts';
import { StepInputError } from '../support/parse.ts';
import { shuffle } from '../support/random.ts';
import { coordinatedWords, groupWord, linkedWords, membersOf } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { attachFault, holdingMs, inject } from './judge.ts';

// Network faults on any link or service, through the fault proxy, in the topology's own words. One step
// reads every effect (EFFECT_WORDS) on every kind of place (where.ts); the partition steps keep their
// older phrasing.

When(
  /^the network between (?:the )?(\S+) and (?:the )?(?!\d+ of its )(\S+) is partitioned(?: for (.+))?$/,
  async function (this: FaultlineWorld, a: string, b: string, lasting?: string) {
    linkedWords(this.env.topology, a, b);
    const durationMs = holdingMs(this, lasting);
    await inject(this, partition(this.env, a, b, durationMs));
  },
);

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
    for (const fault of faults) attachFault(this, fault);
  },
);

When(
  new RegExp(NETWORK_FAULT_STEP),
  async function (this: FaultlineWorld, subject: string, effectText: string, lasting?: string) {
    const where = whereWords(this.env.topology, subject);
    const effect = effectWords(effectText);
    const durationMs = holdingMs(this, lasting);
    if (effect.flapMs !== undefined && durationMs === undefined)
      throw new StepInputError(
        `'${effectText}' needs how long it flaps: write '… is flapping every 1 s for 4 seconds'`,
      );
    const targets = where.kind === 'services' ? chooseTargets(this, where.targets, 'network') : [undefined];
    const faults = await Promise.all(
      targets.map((target) => this.faults.inject(networkFault(this.env, where, effect, durationMs, target))),
    );
    for (const fault of faults) attachFault(this, fault);
  },
);

When(
  /^the (\S+) (?:are|is) split into two halves(?: for (.+))?$/,
  async function (this: FaultlineWorld, groupText: string, lasting?: string) {
    const topology = this.env.topology;
    const group = groupWord(topology, groupText);
    const members = membersOf(topology, group);
    splitWords(topology, group, members);
    const durationMs = holdingMs(this, lasting);
    // Which member lands in which half is the seed's draw; a re-run splits the same way.
    const order = shuffle(members, this.random(`split:${group}`));
    await inject(this, splitBrain(this.env, group, order, durationMs));
  },
);

When(
  /^the primary link from (?:the )?(\S+) to (?:the )?(\S+) fails(?: for (.+))?$/,
  async function (this: FaultlineWorld, from: string, to: string, lasting?: string) {
    const [primary, secondaries] = failoverWords(this.env.topology, from, to);
    const durationMs = holdingMs(this, lasting);
    await inject(this, failover(this.env, primary, secondaries, durationMs));
  },
);
