import { Given } from '@cucumber/cucumber';
import { awaitSteadyState } from '../support/checks/steady-state.ts';
import { loadSystem } from '../support/system/config.ts';
import { steadyStateWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';

Given(
  'a healthy {word} with {int} registered {word}',
  async function (this: FaultlineWorld, coordinatorWord: string, count: number, groupText: string) {
    // The words are checked against the system as declared before anything starts: a typo costs nothing.
    const declared = (await loadSystem({}, { system: this.parameters?.system })).system.topology;
    const { coordinator, group, scale } = steadyStateWords(declared, coordinatorWord, count, groupText);
    await this.up(scale);
    const evidence = await awaitSteadyState(this.env, this.system, coordinator, group, count);
    this.attach(evidence.join('\n'), { mediaType: 'text/plain', fileName: 'steady-state.txt' });
  },
);
