import { Then, When } from '@cucumber/cucumber';
import {
  everyMalformedRejected,
  memoryWithin,
  noMalformedCharged,
  staysHealthy,
} from '../support/checks/malformed.ts';
import { malformedFlood } from '../support/data/flood.ts';
import { malformedCount, malformedKinds } from '../support/data/words.ts';
import { probe } from '../support/faults/probe.ts';
import { operationKind } from '../support/load/phrases.ts';
import { finished } from '../support/load/running.ts';
import { parseDuration, parseSize, StepInputError } from '../support/parse.ts';
import { requireAdapter, requireRecords } from '../support/system/system.ts';
import { serviceWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { attachFloodMemory, judge } from './judge.ts';

// Data faults: the system's own valid request, broken in seeded ways and sent by a client, and the verdicts
// on what the system did with them. Words first (the operation, the ways to break it), then the flood.

const LONG = { timeout: 10 * 60_000 };
const SUBMIT = /^a client submits (\S+) malformed (.+?) \((.+)\)(?: over (.+))?$/;

/** The operation's declared request, or an error naming the operations that have one. */
function requestOf(world: FaultlineWorld, kind: string, step: string) {
  const requests = requireAdapter(world.system, 'requests', step);
  const request = requests[kind];
  if (!request)
    throw new StepInputError(
      `${step}: the operation '${kind}' declares no request to malform (an http({ json }) operation, or requests['${kind}'] in its defineSystem); operations with one: ${Object.keys(requests).join(', ') || 'none'}`,
    );
  return request;
}

When(
  SUBMIT,
  LONG,
  async function (
    this: FaultlineWorld,
    countText: string,
    kindWords: string,
    how: string,
    over: string | null,
  ) {
    const count = malformedCount(countText);
    const kind = operationKind(kindWords, Object.keys(this.system.operations));
    const kinds = malformedKinds(how);
    const overMs = over ? parseDuration(over) : undefined;
    const request = requestOf(this, kind, `"a client submits ${countText} malformed ${kindWords} (…)"`);
    const record = await this.faults.inject(
      malformedFlood({
        env: this.env,
        kind,
        request,
        kinds,
        count,
        seed: this.seed,
        nextId: () => this.nextOperationId(`malformed ${kind}`),
        random: (purpose) => this.random(purpose),
        ...(overMs !== undefined ? { overMs } : {}),
        started: (flood) => this.floods.push(flood),
      }),
    );
    // Nothing to put back: healed at once, so the fault's window is the flood itself.
    await this.faults.heal(record);
    this.attach(`${record.description}\n${record.evidence.join('\n')}`, {
      mediaType: 'text/plain',
      fileName: 'malformed-requests.txt',
    });
    attachFloodMemory(this);
  },
);

/** The floods of one operation: the verdict's words checked against what the scenario sent. */
function floodsOf(world: FaultlineWorld, kindWords: string) {
  const kind = operationKind(kindWords, Object.keys(world.system.operations));
  return { kind, floods: world.floods.filter((f) => f.kind === kind) };
}

Then(
  /^every malformed (.+) is rejected with a 4xx status$/,
  function (this: FaultlineWorld, kindWords: string) {
    const { kind, floods } = floodsOf(this, kindWords);
    judge(this, everyMalformedRejected(kind, floods));
  },
);

Then(
  /^no malformed (.+) is charged or stored$/,
  LONG,
  async function (this: FaultlineWorld, kindWords: string) {
    const { kind, floods } = floodsOf(this, kindWords);
    const records = requireRecords(this.system, kind, `"no malformed ${kindWords} is charged or stored"`);
    // Well-formed requests still in flight may be charged after this read: wait for the scenario's loads.
    await finished(this);
    const wellFormed = new Set(this.history.operations.map((op) => op.id));
    const ids = floods.flatMap((f) => f.answers.filter(Boolean).map((a) => a.id));
    const since = Math.min(Date.now(), ...floods.map((f) => f.startedAt));
    const [effects, remembered] = await Promise.all([
      records.effects(this.env, since, ids),
      records.remembered?.(this.env, ids),
    ]);
    judge(
      this,
      noMalformedCharged(kind, floods, { effects, ...(remembered ? { remembered } : {}) }, wellFormed),
    );
  },
);

Then('the {word} stays healthy', async function (this: FaultlineWorld, word: string) {
  const service = serviceWord(this.env.topology, word);
  const since = Math.min(Date.now(), ...this.floods.map((f) => f.startedAt));
  if (this.floods.length === 0)
    throw new StepInputError(
      `"the ${word} stays healthy" judges the time since malformed requests were sent; none were`,
    );
  const exits = this.env.lifecycle(service).filter((e) => e.event === 'exited' && e.at >= since).length;
  const kind = this.env.topology.probes[service] ?? 'http';
  judge(
    this,
    staysHealthy({
      service,
      alive: this.env.control(service).alive(),
      exits,
      probe: await probe(kind, this.env.endpoint(service), 2_000),
    }),
  );
});

Then(
  /^the (\S+?)'s memory stays within (.+) of its baseline$/,
  function (this: FaultlineWorld, word: string, bound: string) {
    const service = serviceWord(this.env.topology, word);
    judge(this, memoryWithin(service, this.floods, parseSize(bound)));
  },
);
