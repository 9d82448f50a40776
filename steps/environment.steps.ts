import { Given } from '@cucumber/cucumber';
import { awaitSteadyState } from '../support/checks/steady-state.ts';
import type { FaultlineWorld } from '../support/world.ts';

Given(
  'a healthy {word} with {int} registered {word}',
  async function (this: FaultlineWorld, coordinator: string, count: number, group: string) {
    await this.up({ [group]: count });
    const evidence = await awaitSteadyState(this.env, this.system, coordinator, group, count);
    this.attach(evidence.join('\n'), { mediaType: 'text/plain', fileName: 'steady-state.txt' });
  },
);
