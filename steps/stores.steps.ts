import { Then, When } from '@cucumber/cucumber';
import { parseKeyPattern, redisPoisoned } from '../support/faults/stores/poison.ts';
import {
  connectionsTerminated,
  readOnly,
  slotsExhausted,
  slowQueries,
} from '../support/faults/stores/postgres.ts';
import { redisRestartedEmpty, redisStopped } from '../support/faults/stores/redis.ts';
import { type StoreKind, storeWord } from '../support/faults/stores/store.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject } from './judge.ts';
import { storeEventWithin } from './store-events.ts';

// Dependency faults on the stores the system uses, named as its topology names them ("redis", "postgres"):
// only a store of the right kind is accepted. (A store made unreachable is the network fault of any service,
// steps/network.steps.ts: "redis is unreachable for 3 seconds" black-holes every proxied link into it.) Each checks its words first, then hands a FaultSpec to the
// ledger (undo written before apply). `for {duration}` heals by itself; otherwise the fault holds until
// rollback.

const store = (world: FaultlineWorld, word: string, kind: StoreKind) =>
  storeWord(world.env.topology, word, kind);

When(
  /^(?:the )?(\S+) is stopped(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, holding?: string) {
    const name = store(this, word, 'redis');
    await inject(this, redisStopped(this.env, name, holdingMs(this, holding)));
  },
);

When(/^(?:the )?(\S+) restarts empty$/, async function (this: FaultlineWorld, word: string) {
  const name = store(this, word, 'redis');
  await inject(this, redisRestartedEmpty(this.env, name));
});

When(
  /^the (\S+) key "(.*)" is poisoned(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, key: string, holding?: string) {
    const name = store(this, word, 'redis');
    const target = { key: parseKeyPattern(key, false) };
    const ms = holdingMs(this, holding);
    await inject(this, redisPoisoned(this.env, name, target, this.random(`poison ${key}`), ms));
  },
);

When(
  /^the (\S+) keys matching "(.*)" are poisoned(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, pattern: string, holding?: string) {
    const name = store(this, word, 'redis');
    const target = { pattern: parseKeyPattern(pattern, true) };
    const ms = holdingMs(this, holding);
    await inject(this, redisPoisoned(this.env, name, target, this.random(`poison ${pattern}`), ms));
  },
);

When(
  /^(?:the )?(\S+) runs out of connection slots(?: for (.+))?$/,
  { timeout: 60_000 },
  async function (this: FaultlineWorld, word: string, holding?: string) {
    const name = store(this, word, 'postgres');
    await inject(this, slotsExhausted(this.env, name, holdingMs(this, holding)));
  },
);

When(
  /^(?:the )?(\S+) turns read-only(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, holding?: string) {
    const name = store(this, word, 'postgres');
    await inject(this, readOnly(this.env, name, holdingMs(this, holding)));
  },
);

When(/^(?:the )?(\S+) terminates its open connections$/, async function (this: FaultlineWorld, word: string) {
  const name = store(this, word, 'postgres');
  await inject(this, connectionsTerminated(this.env, name));
});

When(
  /^(?:the )?(\S+) queries take (.+?) longer(?: for (.+))?$/,
  async function (this: FaultlineWorld, word: string, delay: string, holding?: string) {
    const name = store(this, word, 'postgres');
    const delayMs = this.duration(delay);
    await inject(this, slowQueries(this.env, name, delayMs, holdingMs(this, holding)));
  },
);

/**
 * MTTD of a dependency's outage: from the start of each fault on that store to the first event the system
 * recorded about it (`events.outage`, the event's subject naming the store).
 */
Then(
  /^the (\S+) detects the (\S+) outage within (.+)$/,
  { timeout: 60 * 60_000 },
  async function (this: FaultlineWorld, subject: string, word: string, bound: string) {
    await storeEventWithin(
      this,
      subject,
      word,
      bound,
      'outage',
      `"the … detects the ${word} outage within …"`,
    );
  },
);
