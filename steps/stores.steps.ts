import { Then, When } from '@cucumber/cucumber';
import { detectedWithin } from '../support/checks/recovery.ts';
import { parseKeyPattern, redisPoisoned } from '../support/faults/stores/poison.ts';
import {
  connectionsTerminated,
  readOnly,
  slotsExhausted,
  slowQueries,
} from '../support/faults/stores/postgres.ts';
import { redisRestartedEmpty, redisStopped } from '../support/faults/stores/redis.ts';
import { type StoreKind, storeWord } from '../support/faults/stores/store.ts';
import { finished } from '../support/load/running.ts';
import { parseDuration } from '../support/parse.ts';
import { requireAdapter, requireEvents } from '../support/system/system.ts';
import { subjectWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject, judge } from './judge.ts';

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
    subjectWord(this.env.topology, subject);
    const name = storeWord(this.env.topology, word, 'store');
    const boundMs = parseDuration(bound);
    const step = `"the … detects the ${word} outage within …"`;
    const expected = requireEvents(this.system, 'outage', step);
    const audit = requireAdapter(this.system, 'audit', step);
    await finished(this);
    const faults = this.faults.records.filter((f) => f.targets.includes(name));
    const since = Math.min(this.startedAt, ...faults.map((f) => f.startedAt ?? this.startedAt));
    // Events about another store say nothing about this one.
    const judgeNow = async () =>
      detectedWithin(
        faults,
        (await audit(this.env, since)).filter((e) => e.subject === name),
        expected,
        boundMs,
      );
    const deadline = Date.now() + 5_000;
    let verdict = await judgeNow();
    while (!verdict.pass && faults.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      verdict = await judgeNow();
    }
    judge(this, verdict);
  },
);
