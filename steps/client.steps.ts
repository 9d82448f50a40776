import { When } from '@cucumber/cucumber';
import type { FaultlineWorld } from '../support/world.ts';

When(/^a client submits an? (.+)$/, async function (this: FaultlineWorld, kind: string) {
  const operation = this.system.operations[kind];
  if (!operation)
    throw new Error(
      `'${kind}' is not an operation of this system; known: ${Object.keys(this.system.operations).join(', ')}`,
    );
  const id = this.nextOperationId(kind);
  this.history.record(await operation({ env: this.env, id, random: this.random(`operation:${id}`) }));
});
