import { When } from '@cucumber/cucumber';
import { sizedOperation } from '../support/load/phrases.ts';
import type { FaultlineWorld } from '../support/world.ts';

// "a client submits a document conversion request" waits for the answer; "starts submitting" leaves it in
// flight so faults can strike while it runs, and "the request has completed" collects it.

function begin(world: FaultlineWorld, words: string, sameId?: string) {
  const { words: kind, sizeBytes } = sizedOperation(words);
  const operation = world.system.operations[kind];
  if (!operation)
    throw new Error(
      `'${kind}' is not an operation of this system; known: ${Object.keys(world.system.operations).join(', ')}`,
    );
  const id = sameId ?? world.nextOperationId(kind);
  return {
    id,
    invokedAt: Date.now(),
    done: operation({ env: world.env, id, random: world.random(`operation:${id}`), sizeBytes }),
  };
}

When(/^a client submits an? (.+)$/, async function (this: FaultlineWorld, words: string) {
  this.history.record(await begin(this, words).done);
});

When(/^a client starts submitting an? (.+)$/, function (this: FaultlineWorld, words: string) {
  this.startOperation(begin(this, words));
});

When('the request has completed', async function (this: FaultlineWorld) {
  this.history.record(await this.pendingOperation().done);
});

// A client that retries after a lost answer sends the same request again: the duplicates share one id.
When(
  /^a client submits the same (.+) (\d+) times at once$/,
  async function (this: FaultlineWorld, words: string, times: string) {
    const first = begin(this, words);
    const again = Array.from({ length: Number(times) - 1 }, () => begin(this, words, first.id));
    for (const op of await Promise.all([first, ...again].map((o) => o.done))) this.history.record(op);
  },
);
