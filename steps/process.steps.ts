import { Then, When } from '@cucumber/cucumber';
import {
  restartedWithin,
  restartsOf,
  restartsPerMinuteAtMost,
  type ServiceRecord,
} from '../support/checks/restarts.ts';
import { crash } from '../support/faults/process/crash.ts';
import { kill } from '../support/faults/process/kill.ts';
import { monkey } from '../support/faults/process/monkey.ts';
import { pause } from '../support/faults/process/pause.ts';
import { monkeyPeriod } from '../support/faults/process/period.ts';
import { restart } from '../support/faults/process/restart.ts';
import { chooseTargets } from '../support/faults/targets.ts';
import { requireAdapter } from '../support/system/system.ts';
import { memberWord, type Targets, targetWords } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { holdingMs, inject, judge } from './judge.ts';

// Process faults on any service, in the target grammar of every fault step ("redis", "the workers", "2 of
// the workers": support/system/words.ts), and the restart verdicts they make measurable. Every word and
// number is checked before anything is applied; N of a group is a seeded draw.

// A SIGTERM'd service's grace period plus a container restart, on a loaded 2-core machine.
const FAULT_STEP = { timeout: 180_000 };

/** The phrase's words, the optional hold, then the seeded draw: in that order, before anything is applied. */
function aim(world: FaultlineWorld, phrase: string, purpose: string, lasting?: string) {
  const targets = targetWords(world.env.topology, phrase);
  const durationMs = holdingMs(world, lasting);
  // Among N of a group, members that are running are drawn first: "1 of the workers is killed" while
  // another fault holds one down means one of the others.
  const running = (member: string) => world.env.control(member).alive();
  return { targets, durationMs, chosen: chooseTargets(world, targets, purpose, running) };
}

When(
  /^(.+?) (?:is|are) killed with SIGKILL(?: for (.+))?$/,
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, lasting?: string) {
    const { targets, durationMs, chosen } = aim(this, phrase, 'SIGKILL', lasting);
    const fault = kill(this.env, chosen, {
      signal: 'SIGKILL',
      phrase: targets.phrase,
      durationMs,
      operations: () => this.history.operations,
    });
    await inject(this, fault);
  },
);

When(
  /^(.+?) (?:is|are) stopped with SIGTERM(?: for (.+))?$/,
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, lasting?: string) {
    const { targets, durationMs, chosen } = aim(this, phrase, 'SIGTERM', lasting);
    const fault = kill(this.env, chosen, {
      signal: 'SIGTERM',
      phrase: targets.phrase,
      durationMs,
      operations: () => this.history.operations,
    });
    await inject(this, fault);
  },
);

When(
  /^(.+?) (?:is|are) paused(?: for (.+))?$/,
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, lasting?: string) {
    const { targets, durationMs, chosen } = aim(this, phrase, 'pause', lasting);
    await inject(
      this,
      pause(this.env, chosen, {
        phrase: targets.phrase,
        durationMs,
        operations: () => this.history.operations,
      }),
    );
  },
);

When(/^(.+?) (?:is|are) restarted$/, FAULT_STEP, async function (this: FaultlineWorld, phrase: string) {
  const { targets, chosen } = aim(this, phrase, 'restart');
  await inject(
    this,
    restart(this.env, chosen, { phrase: targets.phrase, operations: () => this.history.operations }),
  );
});

When(
  /^a chaos monkey kills (.+?) every (.+?) for (.+)$/,
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, every: string, lasting: string) {
    const targets: Targets = targetWords(this.env.topology, phrase);
    const { everyMs, forMs } = monkeyPeriod(every, lasting, (t) => this.duration(t));
    const fault = monkey(this.env, {
      phrase: targets.phrase,
      members: targets.members,
      count: targets.count,
      everyMs,
      forMs,
      random: this.random(`chaos-monkey:${targets.phrase}`),
      operations: () => this.history.operations,
    });
    await inject(this, fault);
  },
);

// Uploading a large document takes a while; "2 seconds in" counts from when a member starts working on it.
const FIND_HOLDER_MS = 60_000;

When(
  /^the (\S+) handling it is killed with SIGKILL (.+) in$/,
  { timeout: FIND_HOLDER_MS + 120_000 },
  async function (this: FaultlineWorld, member: string, after: string) {
    const group = memberWord(this.env.topology, member);
    const holderOf = requireAdapter(this.system, 'holder', `"the ${member} … it is killed with SIGKILL"`);
    const delayMs = this.duration(after);
    const { id, done } = this.pendingOperation();
    let settled = false;
    void done.finally(() => {
      settled = true;
    });
    const deadline = Date.now() + FIND_HOLDER_MS;
    let holder = await holderOf(this.env, group, id);
    while (!holder && !settled && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      holder = await holderOf(this.env, group, id);
    }
    if (!holder)
      throw new Error(
        `no ${member} reported working on ${id}${settled ? ' before it completed' : ''}, so there is nothing to crash`,
      );
    await new Promise((r) => setTimeout(r, Math.max(0, holder.since + delayMs - Date.now())));
    if (settled)
      throw new Error(
        `${id} completed before ${after} of work on ${holder.member}: the crash would prove nothing`,
      );
    const fault = await this.faults.inject(crash(this.env, holder.member));
    this.attach(`${fault.description} ${after} into its work on ${id}\n${fault.evidence.join('\n')}`, {
      mediaType: 'text/plain',
    });
  },
);

/** The record of every service the phrase names (all members of a group). */
function records(world: FaultlineWorld, phrase: string): { targets: Targets; records: ServiceRecord[] } {
  const targets = targetWords(world.env.topology, phrase);
  return {
    targets,
    records: targets.members.map((service) => ({ service, events: world.env.lifecycle(service) })),
  };
}

Then(
  /^(.+?) restarts? within (.+)$/,
  FAULT_STEP,
  async function (this: FaultlineWorld, phrase: string, bound: string) {
    const boundMs = this.duration(bound);
    let found = records(this, phrase);
    // A restart still within its bound may not have happened yet: wait for it, never past the bound.
    const waitUntil = () =>
      Math.max(
        0,
        ...restartsOf(found.records, this.startedAt)
          .filter((r) => !r.next)
          .map((r) => r.exitedAt + boundMs),
      );
    while (Date.now() < waitUntil() + 250) {
      await new Promise((r) => setTimeout(r, 100));
      found = records(this, phrase);
    }
    judge(this, restartedWithin(found.targets.phrase, found.records, this.startedAt, boundMs));
  },
);

Then(
  /^(.+?) restarts? at most (\d+) times? per minute$/,
  async function (this: FaultlineWorld, phrase: string, max: string) {
    const found = records(this, phrase);
    judge(
      this,
      restartsPerMinuteAtMost(found.targets.phrase, found.records, this.startedAt, Date.now(), Number(max)),
    );
  },
);
