import { Then } from '@cucumber/cucumber';
import { errorRateBelow } from '../support/checks/errors.ts';
import {
  latencyBelow,
  latencyRatioToBaseline,
  parsePercentile,
  shareWithin,
} from '../support/checks/latency.ts';
import { DEFAULT_STREAK, detectedWithin, recoveredWithin } from '../support/checks/recovery.ts';
import { parsePhase, splitPhases } from '../support/load/phases.ts';
import { finished } from '../support/load/running.ts';
import { parseDuration, parsePercent, StepInputError } from '../support/parse.ts';
import { requireAdapter, requireEvents } from '../support/system/system.ts';
import { subjectWord } from '../support/system/words.ts';
import type { FaultlineWorld } from '../support/world.ts';
import { judge, settle } from './judge.ts';

// SLO, recovery and consistency verdicts over the scenario's history. Each waits for the scenario's loads to
// finish, splits the history into phases by the fault ledger's timestamps, and judges one window. Phase
// words: "at baseline", "under fault", "during recovery" (and a few synonyms), or none for the whole run.

// Judging waits for the scenario's loads, which bound themselves (duration or count, plus one timeout).
const AFTER_LOAD = { timeout: 60 * 60_000 };

async function phases(world: FaultlineWorld) {
  await finished(world);
  return splitPhases(world.history.operations, world.faults.records);
}

const factorOf = (text: string): number => {
  const n = Number(text);
  if (!/^\d+(?:\.\d+)?$/.test(text) || !(n > 0))
    throw new StepInputError(`'${text}' is not a factor: write a number > 0, e.g. 3 or 1.5`);
  return n;
};

Then(
  /^(\S+) latency(?: (.+?))? is below (.+)$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, p: string, phase: string | undefined, bound: string) {
    const window = (await phases(this))[parsePhase(phase)];
    judge(this, latencyBelow(window, parsePercentile(p), parseDuration(bound)));
  },
);

Then(
  /^(\S+)(?: latency)? under fault is at most (\S+) times the baseline$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, p: string, factor: string) {
    judge(this, latencyRatioToBaseline(await phases(this), parsePercentile(p), factorOf(factor)));
  },
);

Then(
  /^the error rate(?: (.+?))? is below (.+?)(, not counting unknown outcomes)?$/,
  AFTER_LOAD,
  async function (
    this: FaultlineWorld,
    phase: string | undefined,
    bound: string,
    excluded: string | undefined,
  ) {
    const window = (await phases(this))[parsePhase(phase)];
    judge(this, errorRateBelow(window, parsePercent(bound), excluded ? 'excluded' : 'error'));
  },
);

Then(
  /^at least (\S+?)(?: of (?:the )?(?:operations|requests))?(?: (.+?))? complete within (.+)$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, share: string, phase: string | undefined, bound: string) {
    const window = (await phases(this))[parsePhase(phase)];
    judge(this, shareWithin(window, parsePercent(share), parseDuration(bound)));
  },
);

Then(
  /^the (\S+) recovers within (.+?)(?: \((\d+) consecutive successes\))?$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, subject: string, bound: string, streak: string | undefined) {
    subjectWord(this.env.topology, subject);
    const { recovery } = await phases(this);
    judge(this, recoveredWithin(recovery, parseDuration(bound), streak ? Number(streak) : DEFAULT_STREAK));
  },
);

Then(
  /^the (\S+) detects the (\S+)(?: fault)? within (.+)$/,
  AFTER_LOAD,
  async function (this: FaultlineWorld, subject: string, kind: string, bound: string) {
    subjectWord(this.env.topology, subject);
    const boundMs = parseDuration(bound);
    const step = `"the … detects the ${kind} within …"`;
    const expected = requireEvents(this.system, kind, step);
    const audit = requireAdapter(this.system, 'audit', step);
    const faults = this.faults.records.filter((f) => f.kind === kind);
    const since = Math.min(this.startedAt, ...faults.map((f) => f.startedAt ?? this.startedAt));
    // The audit rows are written asynchronously; the figure comes from their own timestamps, so waiting
    // for them does not change it.
    const judgeNow = async () => detectedWithin(faults, await audit(this.env, since), expected, boundMs);
    judge(
      this,
      await settle(judgeNow, { until: Date.now() + 3_000, everyMs: 200, waiting: faults.length > 0 }),
    );
  },
);
