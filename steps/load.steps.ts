import { setTimeout as sleep } from 'node:timers/promises';
import { After, When } from '@cucumber/cucumber';
import { watchOf } from '../support/load/abort-watch.ts';
import { startLoad } from '../support/load/generator.ts';
import { type LoadWords, operationKind, planFromWords, sizedOperation } from '../support/load/phrases.ts';
import { finished, loadsOf, stopAll, track } from '../support/load/running.ts';
import { describeRun } from '../support/load/summary.ts';
import { systemTarget } from '../support/load/system-target.ts';
import type { FaultlineWorld } from '../support/world.ts';

// Load steps offer a system's operation as closed-loop clients or at an open-loop rate, for a duration
// and/or a count. "start submitting" runs it in the background, so faults can come and go during it.
// Every operation lands in the scenario's history.

// The generator bounds each run itself (duration or count, plus one operation timeout).
const LONG = { timeout: 60 * 60_000 };

function start(world: FaultlineWorld, kindWords: string, words: LoadWords) {
  const sized = sizedOperation(kindWords);
  const kind = operationKind(sized.words, Object.keys(world.system.operations));
  const plan = planFromWords(words);
  const target = systemTarget({
    system: world.system,
    env: world.env,
    kind,
    nextId: (k) => world.nextOperationId(k),
    random: (id) => world.random(`operation:${id}`),
    sizeBytes: sized.sizeBytes,
  });
  const handle = startLoad(plan, target, { record: (op) => world.history.record(op) });
  track(world, handle);
  return handle;
}

// "… at N requests per second" is the open loop's (with "N concurrent clients" it caps the requests in flight).
const CLIENTS =
  /^(\d+) concurrent clients? (submits?|start submitting) (?!.* at \S+ requests? per second)(?:(\d+) (?![KMGkmg]?[Bb] ))?(.+?)(?: for (.+?))?(?: with an? (.+?) timeout)?$/;
const RATE =
  /^(?:(\d+) concurrent )?clients (submit|start submitting) (?:(\d+) (?![KMGkmg]?[Bb] ))?(.+?) at (\S+) requests? per second(?: for (.+?))?(?: with an? (.+?) timeout)?$/;

When(
  CLIENTS,
  LONG,
  async function (
    this: FaultlineWorld,
    clients: number,
    verb: string,
    count: number | undefined,
    kind: string,
    duration: string | undefined,
    timeout: string | undefined,
  ) {
    const handle = start(this, kind, { clients, count, duration, timeout });
    if (!verb.startsWith('start')) await handle.done;
  },
);

When(
  RATE,
  LONG,
  async function (
    this: FaultlineWorld,
    clients: number | undefined,
    verb: string,
    count: number | undefined,
    kind: string,
    rate: string,
    duration: string | undefined,
    timeout: string | undefined,
  ) {
    const handle = start(this, kind, { clients, rate, count, duration, timeout });
    if (verb === 'submit') await handle.done;
  },
);

When('the load has run for {duration}', LONG, async function (this: FaultlineWorld, ms: number) {
  const first = loadsOf(this)[0];
  if (!first) throw new Error('no load is running: start one with "… start submitting …" first');
  const wait = first.startedAt + ms - Date.now();
  if (wait <= 0) return;
  // An abort condition that bites ends the wait: the experiment is over (the step then fails as aborted).
  const cancel = new AbortController();
  const braked = watchOf(this)?.braked;
  await Promise.race([
    sleep(wait, undefined, { signal: cancel.signal }).catch(() => {}),
    ...(braked ? [braked] : []),
  ]);
  cancel.abort();
});

When('the load has finished', LONG, async function (this: FaultlineWorld) {
  await finished(this);
});

// Runs before the support hooks' rollback (later-defined After hooks run first): a load must not keep
// hitting a system that is being torn down. Each load's summary is attached here, where attaching is
// always allowed, whether the scenario passed or stopped half-way.
After(async function (this: FaultlineWorld) {
  for (const run of await stopAll(this))
    this.attach(describeRun(run), { mediaType: 'text/plain', fileName: 'load.txt' });
});
